"""Report facts: one narrow row per measured thing, with its step durations already computed;
and hourly call counts.

CONVENTIONS says derived state is not stored twice; these tables are the one exception, for
speed: the response and call-handling tables of the reports page read a year of assignments
(1.5 M rows at 1,000,000 incidents), and computing each row's durations from three joined tables
on every page view took 2–7 s. These rows hold exactly what those tables need (the period's
moment, the grouping keys, the durations in seconds), nothing else, so the percentile queries
read one narrow table through one covering index.

They are a cache of the incidents app's rows, never written by hand: `reports.facts.refresh`
rewrites an incident's facts inside the transaction of every service that changes the incident,
its calls or its assignments (incidents/services.py), and `manage.py report_facts --rebuild`
(also run by the migration that made the tables) rebuilds them all from the live rows, e.g. after
rows were loaded directly. `manage.py report_facts --check` says whether they agree. CallFact
does the same for the call-volume tables with an incident filter. The PBX
calls' hourly counts and answer facts (PbxHour, AnswerFact) are kept the same way by the intake
services that write a PbxCall (intake/services.py).

Cancelled incidents have no facts: the reports leave them out of every duration. A reopened
incident gets its facts back.
"""

from django.conf import settings
from django.db import models

from dispatch112.models import Kecamatan
from incidents.models import Agency, Assignment, Call, Incident, IncidentCategory


# The grouping keys are foreign keys without an index of their own: the reports read the facts
# by period only (the covering index), and each index more is written on every refresh. None has a
# database constraint either: a fact is copied from rows that have theirs, and checking 2.4 M
# rows' five keys again made a rebuild several times slower.


class ResponseFact(models.Model):
    """One agency assignment of an incident that is not cancelled: its response steps, measured
    from the assignment's dispatch (notified_at)."""

    assignment = models.OneToOneField(Assignment, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # The incident's created_at: a response belongs to the incident's period.
    created_at = models.DateTimeField()
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    category = models.ForeignKey(IncidentCategory, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    kecamatan = models.ForeignKey(Kecamatan, null=True, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    priority = models.PositiveSmallIntegerField()
    # Seconds from notified_at; NULL when the step has no time (not reached, skipped, declined).
    ack_s = models.FloatField(null=True)
    en_route_s = models.FloatField(null=True)
    on_scene_s = models.FloatField(null=True)
    resolved_s = models.FloatField(null=True)

    class Meta:
        indexes = [
            # Covering: a period's rows are read from the index alone (an index-only scan).
            models.Index(
                fields=["created_at"],
                include=["agency", "category", "kecamatan", "priority", "ack_s", "en_route_s", "on_scene_s", "resolved_s"],
                name="response_fact_period_idx",
            ),
            # Per step, by duration: the monthly rollups' phase 2 reads only the values of a few
            # duration ranges over a year (reports/rollup.py), not the year's rows.
            *(
                models.Index(fields=[f"{step}_s"], include=["created_at", "agency", "category", "kecamatan", "priority"], name=f"response_fact_{step}_idx")
                for step in ("ack", "en_route", "on_scene", "resolved")
            ),
        ]


class HandlingFact(models.Model):
    """One emergency call that opened an incident that is not cancelled: answer → incident
    created → dispatched."""

    call = models.OneToOneField(Call, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    received_at = models.DateTimeField()  # the call's: puts the row in a period
    shift = models.CharField(max_length=16, blank=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    category = models.ForeignKey(IncidentCategory, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    kecamatan = models.ForeignKey(Kecamatan, null=True, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    priority = models.PositiveSmallIntegerField()
    created_s = models.FloatField(null=True)  # call received → incident created
    dispatched_s = models.FloatField(null=True)  # call answered → incident dispatched

    class Meta:
        indexes = [
            models.Index(
                fields=["received_at"],
                include=["shift", "operator", "category", "kecamatan", "priority", "created_s", "dispatched_s"],
                name="handling_fact_period_idx",
            ),
            *(
                models.Index(fields=[f"{step}_s"], include=["received_at", "shift", "operator"], name=f"handling_fact_{step}_idx")
                for step in ("created", "dispatched")
            ),
        ]


class CallFact(models.Model):
    """One call about an incident, with the incident's kecamatan, category and priority: the rows
    the call-volume tables count when an incident filter is chosen (CallHour knows no incidents,
    and a year of calls joined to their incidents took 1.4 s). `agency` NULL: the call itself; one
    more row per agency assignment of its incident, with that agency (at most one per agency:
    assignment_one_per_agency), for the agency filter. Calls without an incident (prank, silent,
    info, test) have none: an incident filter leaves them out anyway. Rewritten with the
    incident's other facts by reports.facts.refresh, so a later change of the incident's kecamatan,
    category or priority, or a new assignment, moves its calls along."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    received_at = models.DateTimeField()  # the call's: puts the row in a period
    outcome = models.CharField(max_length=16)
    agency = models.ForeignKey(Agency, null=True, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    category = models.ForeignKey(IncidentCategory, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    kecamatan = models.ForeignKey(Kecamatan, null=True, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    priority = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            # Per filter, by period: a filtered year is an index-only range scan of that key's rows.
            *(
                models.Index(
                    fields=[column, "received_at"], include=["outcome"], condition=models.Q(agency__isnull=True), name=f"call_fact_{column}_idx"
                )
                for column in ("kecamatan", "category", "priority")
            ),
            # With the call: the handling facts of an agency's incidents are found through it.
            models.Index(
                fields=["agency", "received_at"], include=["outcome", "call"], condition=models.Q(agency__isnull=False), name="call_fact_agency_idx"
            ),
        ]


class CallHour(models.Model):
    """How many calls of one outcome were received in one hour (`hour`: its start; WITA is a whole
    number of hours from UTC, so a UTC hour is a WITA hour). Counts add up exactly, so the call
    volume tables sum these rows for any period of whole hours (days, shifts) when no incident
    filter is chosen, instead of reading every call. Kept by incidents.services.call_log."""

    hour = models.DateTimeField()
    outcome = models.CharField(max_length=16)
    # An hour's count is spread over CALL_HOUR_SHARDS rows (by call id): every call of the hour
    # adds to its row and holds that row's lock until its transaction commits, and one row for
    # all of them made concurrent intakes wait on each other. Readers sum the rows.
    shard = models.PositiveSmallIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "outcome", "shard"], name="call_hour_shard_unique")]


CALL_HOUR_SHARDS = 8


# --- the PBX's calls (intake.models.PbxCall), for the call-center table --------------------------


class PbxHour(models.Model):
    """How the PBX calls offered in one hour (`hour`: its start, a UTC hour as in CallHour) ended,
    counted exactly as the call-center table counts them from the PBX call records. Kept by
    reports.facts.pbx_refresh in every intake service that writes a PbxCall: a call changes as its
    events arrive (in any order), so each write adds the difference between the call's counts
    before and after it. Calls without an offered time are in no hour (and in no period)."""

    hour = models.DateTimeField()
    # Spread over CALL_HOUR_SHARDS rows by PbxCall id, as CallHour is: readers sum the rows.
    shard = models.PositiveSmallIntegerField(default=0)
    offered = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)  # not answered, abandoned_at known
    abandoned_menu = models.IntegerField(default=0)  # not answered, abandoned_stage "menu"
    abandoned_queue = models.IntegerField(default=0)  # not answered, abandoned_stage "queue"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "shard"], name="pbx_hour_shard_unique")]


class AnswerFact(models.Model):
    """One answered PBX call with an offered time: the WITA hour of day it was offered in and its
    time to answer (queued → answered), the rows of the call center's answer-time percentiles."""

    pbx_call = models.OneToOneField("intake.PbxCall", primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    offered_at = models.DateTimeField()  # puts the call in a period
    hour = models.PositiveSmallIntegerField()  # 0–23, WITA
    answer_s = models.FloatField(null=True)  # NULL when the PBX never said it was queued

    class Meta:
        indexes = [
            models.Index(fields=["offered_at"], include=["hour", "answer_s"], name="answer_fact_period_idx"),
            models.Index(fields=["answer_s"], include=["offered_at", "hour"], name="answer_fact_answer_idx"),
        ]


# --- monthly rollups of the duration tables (reports/rollup.py) ---------------------------------


class RollupMonth(models.Model):
    """Whether one closed WITA month of one fact table is rolled up. `dirty`: a fact of that month
    changed after the build (reports.facts.refresh marks it), so its rows are not read until the
    month is built again. `targets`: the targets the within-target counts were counted against;
    a month counted against other targets than today's settings is not read either."""

    month = models.DateField()  # the first day of the month
    source = models.CharField(max_length=16)  # "response", "handling" or "answer"
    built_at = models.DateTimeField(null=True)
    dirty = models.BooleanField(default=True)
    targets = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "source"], name="rollup_month_unique")]


class DurationRollup(models.Model):
    """One step of one group in one rolled-up month: the group's rows, how many had the step
    measured, how many were within each of the step's targets (counts add up across months), and
    the histogram of the measured durations over reports.rollup.BOUNDS, [first bucket, its count,
    the next one's, …] (a percentile does not add up; the histogram says where its ranks lie). `dimension` is the fact
    field grouped by ("agency", "category", …) or "all" (key NULL); `key` its value as text, NULL
    for NULL. One row per step and group keeps a year's read to a few hundred rows."""

    month = models.DateField()
    source = models.CharField(max_length=16)
    # The incident filter the row is narrowed to: "" for none, else a filter of the page
    # (reports.rollup.Source.narrows: "priority", "agency", …) and its value as text. Only one
    # filter at a time: the page's one-filter views read these; several filters read the facts.
    narrow = models.CharField(max_length=16, default="")
    narrow_key = models.CharField(max_length=64, default="")
    dimension = models.CharField(max_length=16)
    key = models.CharField(max_length=64, null=True)
    step = models.CharField(max_length=16)
    rows = models.IntegerField()
    measured = models.IntegerField()
    within = models.JSONField(default=list)
    histogram = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["source", "narrow", "narrow_key", "dimension", "month"], name="duration_rollup_narrow_idx")]
