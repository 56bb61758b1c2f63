from django import forms

from core.strict_json import StrictJSONDecoder


class LeadForm(forms.Form):
    # A text input: the browser's email check refuses addresses we accept (a non-ASCII local part).
    email = forms.CharField(max_length=254, widget=forms.TextInput(attrs={"inputmode": "email"}))
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    company_name = forms.CharField(required=False, max_length=200, label="Company")
    job_title = forms.CharField(required=False, max_length=200)
    phone = forms.CharField(required=False, max_length=50)
    website = forms.CharField(required=False, max_length=500)
    linkedin_url = forms.CharField(required=False, max_length=500, label="LinkedIn URL")
    city = forms.CharField(required=False, max_length=100)
    country = forms.CharField(required=False, max_length=100)
    custom_fields = forms.JSONField(
        required=False,
        decoder=StrictJSONDecoder,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"invalid": 'Write valid JSON, e.g. {"plan": "pro"}: no NaN or Infinity.'},
        help_text='A JSON object of names to values, e.g. {"plan": "pro"}.',
    )

    def clean_custom_fields(self):
        value = self.cleaned_data["custom_fields"]
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError('Write an object in braces, e.g. {"plan": "pro"}.')
        return value or {}
