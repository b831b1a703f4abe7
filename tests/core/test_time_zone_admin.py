"""Staff edit a user's or an expert's time zone with the picker; a legacy name is stored as the current one."""
import pytest
from django.db.models.fields.files import FieldFile
from django.forms import MultiWidget

from serene.accounts.models import User
from serene.experts.models import Expert
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


def as_submitted(page) -> dict:
    """The change form's current values, as the browser would post them back (inlines included)."""
    def values(form):
        data = {}
        for name, field in form.fields.items():
            value, key = form[name].value(), form.add_prefix(name)
            if isinstance(field.widget, MultiWidget):  # date and time in two boxes
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = part.isoformat() if part else ""
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, FieldFile):
                continue  # no upload: the file stays as it is
            elif value is not None:
                data[key] = value
        return data

    data = values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data.update(values(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(values(form))
    return data


@pytest.mark.parametrize(("kind", "make", "model"), [
    ("accounts/user", lambda: UserFactory(), User),
    ("experts/expert", lambda: ExpertFactory(), Expert),
])
def test_the_admin_offers_the_picker_and_stores_current_names(admin_client, kind, make, model):
    row = make()
    model.objects.filter(pk=row.pk).update(time_zone="Asia/Calcutta")  # a row from before names were kept current
    url = f"/admin/{kind}/{row.pk}/change/"
    page = admin_client.get(url)
    html = page.content.decode()
    assert '<select name="time_zone"' in html and '<option value="Asia/Kolkata" selected>' in html
    assert 'value="Asia/Calcutta"' not in html
    data = {**as_submitted(page), "time_zone": "Europe/Kiev"}
    answer = admin_client.post(url, data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    assert model.objects.get(pk=row.pk).time_zone == "Europe/Kyiv"
