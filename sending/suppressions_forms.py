from django import forms

from leads.models import Suppression


class SuppressionAddForm(forms.Form):
    value = forms.CharField(
        max_length=300,
        label="Email or domain",
        widget=forms.TextInput(attrs={"placeholder": "jane@example.com or example.com"}),
    )


class SuppressionUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        help_text="One column of emails or domains, or a column named email or domain; up to 10,000.",
    )


class SuppressionFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=254, label="Search")
    kind = forms.ChoiceField(choices=[("", "Emails and domains"), *Suppression.Kind.choices], required=False)
