from django import forms

from core.events import EVENT_TYPES
from webhooks.services import MAX_URL_LENGTH


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=MAX_URL_LENGTH,
        help_text="Where Leadpool POSTs the events, e.g. https://example.com/leadpool-events.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(event, event) for event in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
