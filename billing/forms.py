from django import forms

from billing.services import MAX_MEMBER_CREDIT_CAP
from core.ids import ID_MAX


class LedgerPageForm(forms.Form):
    """The Billing page's ledger position: the ids of the neighbouring entries."""

    after = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    before = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)


class MemberCreditCapForm(forms.Form):
    """An owner's cap on a member's lead-credit spending per period; empty (or ``clear``) removes it."""

    cap = forms.IntegerField(required=False, min_value=0, max_value=MAX_MEMBER_CREDIT_CAP)
    clear = forms.BooleanField(required=False)

    def chosen_cap(self):
        return None if self.cleaned_data["clear"] else self.cleaned_data["cap"]
