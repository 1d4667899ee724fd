from django import forms
from django.core.validators import EmailValidator


class MailboxField(forms.EmailField):
    # Django accepts user@localhost by default; no reader's inbox lives there.
    default_validators = [EmailValidator(allowlist=[])]


class SignupForm(forms.Form):
    email = MailboxField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a valid email address, like name@example.com.",
        },
    )
