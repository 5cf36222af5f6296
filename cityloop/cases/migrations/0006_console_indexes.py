"""Indexes for the console's queue, unit lists and map with a million cases (docs/console.md).

Each queue index leads with what the permission scope filters on (district, street, community or
responsible unit), then the state and the urgency sort (light, deadline); (responsible unit, state)
and (street, state) become prefixes of the new ones and are dropped. (responsible unit, district)
answers the scope's question whether a district's units hold cases of another district.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_routing")]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_unit_state_idx"),
        migrations.RemoveIndex(model_name="case", name="case_street_state_idx"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["district", "state", "light", "deadline_at", "lon", "lat"], name="case_queue_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["street", "state", "light", "deadline_at", "district"], name="case_street_queue_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["community", "state", "light", "deadline_at"], name="case_community_queue_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["responsible_unit", "state", "light", "deadline_at", "district", "closed_at"],
                name="case_unit_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["responsible_unit", "district"], name="case_unit_district_idx"),
        ),
    ]
