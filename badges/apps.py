from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Badges"

    def ready(self) -> None:
        from badges import signals  # noqa: F401 -- connects the cache invalidation receivers
