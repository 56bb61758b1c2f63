"""Telling the person who started an import that it finished: an email (Home lists it too)."""

import logging

from django.conf import settings
from django.urls import reverse

from core.mail import send_mail

logger = logging.getLogger(__name__)


def notify_finished(job):
    user = job.created_by
    if user is None:
        return
    link = settings.SITE_URL.rstrip("/") + reverse("import_detail", args=[job.pk])
    into = f" into {job.campaign_label}" if job.into_campaign else " into your contacts"
    if job.status == job.Status.SUCCEEDED:
        subject = f"Your import of {job.filename} is done"
        outcome = f"Leadpool imported {job.filename}{into}: {job.rows_processed:,} rows, {job.summary}."
    else:
        subject = f"Your import of {job.filename} stopped"
        outcome = f"Leadpool stopped importing {job.filename}{into}. {job.error}\nSo far: {job.summary}."
    try:
        send_mail(
            subject=subject,
            message=f"{outcome}\n\nDetails and the error report: {link}\n",
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:
        logger.exception("Could not email %s about import %s", user.email, job.pk)
