from django import forms

from core.ids import ID_MAX


class LedgerPageForm(forms.Form):
    """The Billing page's ledger position: the ids of the neighbouring entries."""

    after = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    before = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
