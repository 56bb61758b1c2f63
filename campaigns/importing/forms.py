from django import forms

from campaigns.importing.cleaning import CUSTOM_PREFIX
from campaigns.importing.mapping import FIELD_LABELS
from campaigns.models import ImportJob

NO_EMAIL_COLUMN = "Choose the column that holds the email addresses: set what it becomes to Email."

ON_DUPLICATE_CHOICES = [
    (ImportJob.OnDuplicate.SKIP, "Leave them as they are"),
    (ImportJob.OnDuplicate.UPDATE, "Update them with the file's values (empty cells change nothing)"),
]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv"}),
        help_text="With a header row; comma, semicolon, tab or | separated; UTF-8, UTF-16 or Windows-1252.",
    )


class ImportMappingForm(forms.Form):
    """One choice per column of the file (a lead field, a custom field named after the column, or not
    imported), shown with the column's sample values."""

    keep_other_columns = forms.BooleanField(required=False, label="Keep other columns as custom fields")
    on_duplicate = forms.ChoiceField(
        choices=ON_DUPLICATE_CHOICES,
        initial=ImportJob.OnDuplicate.SKIP,
        widget=forms.RadioSelect,
        label="Contacts you already have",
    )

    def __init__(self, *args, job, samples, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = []
        for place, header in enumerate(job.headers):
            name = f"column_{place}"
            choices = [
                ("", "Not imported"),
                *FIELD_LABELS.items(),
                (f"{CUSTOM_PREFIX}{header}", f"Custom field “{header}”"),
            ]
            self.fields[name] = forms.ChoiceField(
                choices=choices, required=False, initial=job.mapping.get(header, ""), label=header
            )
            values = [row[place] for row in samples if place < len(row)]
            self.columns.append((header, self[name], values))

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(field.name) == "email" for _, field, _ in self.columns):
            raise forms.ValidationError(NO_EMAIL_COLUMN)
        return cleaned

    @property
    def has_email(self):
        """Whether a column is (or was automatically) chosen as the email."""
        return any(field.value() == "email" for _, field, _ in self.columns)

    def mapping(self):
        """CSV header → target, as ``campaigns.importing.mapping.validate_mapping`` takes it."""
        return {header: self.cleaned_data[field.name] for header, field, _ in self.columns}
