from django import forms

from campaigns.models import Campaign
from core.ids import ID_MAX
from sending.models import Mailbox, ReplyKind, ReplyLabel
from sending.replies_selectors import UNLABELLED


class ReplyFilterForm(forms.Form):
    """The inbox's filters; a malformed or unknown value is no filter (a campaign or mailbox of another
    workspace is not among the choices)."""

    kind = forms.ChoiceField(choices=ReplyKind.choices, required=False)
    campaign = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every campaign")
    mailbox = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every mailbox")
    label = forms.ChoiceField(
        choices=[("", "Any label"), *ReplyLabel.choices, (UNLABELLED, "No label yet")], required=False
    )
    q = forms.CharField(required=False, max_length=200, label="Search")
    after = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    before = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.for_workspace(workspace).order_by("name", "pk")
        self.fields["mailbox"].queryset = Mailbox.objects.for_workspace(workspace).order_by("email", "pk")

    def value(self, name):
        """The field's value if it was valid, else its empty value."""
        return self.cleaned_data.get(name) if name not in self.errors else self.fields[name].to_python("")


class ReplyLabelForm(forms.Form):
    # Empty clears the label.
    label = forms.ChoiceField(choices=[("", "No label"), *ReplyLabel.choices], required=False)
