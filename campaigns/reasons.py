"""Why a row or a contact was not taken, in the words a page shows. The stored reason starts with a code a
program can match (a field name, ``over_active_leads_limit`` or ``suppressed``); the CSV error report
keeps it as stored."""

import re

from campaigns.importing.mapping import FIELD_LABELS

CODE_WORDS = {
    "over_active_leads_limit": "Over the active-leads limit",
    "suppressed": "On the suppression list",
    **FIELD_LABELS,
    "company_name": "Company name",
    "custom_fields": "Custom fields",
}
# A code opens the reason, or each of the "; "-joined errors of one contact.
_CODE = re.compile(r"(^|; )(" + "|".join(CODE_WORDS) + r"): ")


def reason_in_words(reason):
    return _CODE.sub(lambda match: f"{match[1]}{CODE_WORDS[match[2]]}: ", reason)
