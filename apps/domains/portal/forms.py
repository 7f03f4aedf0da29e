from django import forms


class DomainAddForm(forms.Form):
    domain = forms.CharField(
        max_length=253, label="Domain", help_text="A hostname your organisation controls, e.g. “office.example.com”."
    )
