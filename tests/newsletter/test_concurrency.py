"""Two send_digest runs at once share the list: nobody gets the week's digest twice."""

import threading

import pytest
from django.core import mail
from django.db import connection

from newsletter.digest import build_digest, send_digest
from newsletter.models import DigestSend
from tests.factories import SubscriberFactory, ToolFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_subscriber_one_digest():
    ToolFactory()
    readers = SubscriberFactory.create_batch(40)
    digest = build_digest()
    counts, errors = [], []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            counts.append(send_digest(digest=digest, batch_size=3))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(counts) == 40
    recipients = [message.to[0] for message in mail.outbox]
    assert sorted(recipients) == sorted(reader.email for reader in readers)
    assert DigestSend.objects.count() == 40
