"""The store's schema as an ordered list of migrations.

A migration is applied once, in order, inside one transaction with its version row. Opening a store
written by an older harmtrace upgrades it; a store from a newer harmtrace is refused (see `migrate`).
Later issues add tables (incident, person, decision, control_area, site, place) as new migrations:
never edit a migration that has shipped.
"""

from typing import Final

V1_CORE: Final = """
CREATE TABLE source (
    source_id   INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE batch (
    batch_id          INTEGER PRIMARY KEY,
    source_id         INTEGER NOT NULL,
    format            VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    file_sha256       VARCHAR NOT NULL,
    file_bytes        BIGINT NOT NULL,
    encoding          VARCHAR NOT NULL,
    mapping_sha256    VARCHAR,
    mapping_text      VARCHAR,
    header            VARCHAR[],
    rows_read         BIGINT NOT NULL,
    rows_accepted     BIGINT NOT NULL,
    rows_quarantined  BIGINT NOT NULL,
    rows_flagged      BIGINT NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP NOT NULL,
    harmtrace_version VARCHAR NOT NULL
);
-- one captured input item, verbatim; (batch_id, row_number) identifies it, sha256 addresses its content.
-- raw is stored uncompressed: compressing it made ingest four times slower for a 2x smaller file
CREATE TABLE document (
    batch_id    INTEGER NOT NULL,
    row_number  BIGINT NOT NULL,
    sha256      VARCHAR NOT NULL,
    raw         BLOB NOT NULL USING COMPRESSION uncompressed
);
CREATE TABLE quarantine (
    batch_id    INTEGER NOT NULL,
    row_number  BIGINT NOT NULL,
    reasons     VARCHAR[] NOT NULL
);
CREATE TABLE report (
    report_id          BIGINT NOT NULL,
    batch_id           INTEGER NOT NULL,
    row_number         BIGINT NOT NULL,
    source_id          INTEGER NOT NULL,
    record_id          VARCHAR,
    date_start         DATE,
    date_end           DATE,
    date_precision     VARCHAR NOT NULL,
    place_text         VARCHAR,
    place_text_ar      VARCHAR,
    latitude           DOUBLE,
    longitude          DOUBLE,
    location_precision VARCHAR NOT NULL,
    adm1_source        VARCHAR,
    adm2_source        VARCHAR,
    perpetrators       VARCHAR[] NOT NULL,
    means              VARCHAR[] NOT NULL,
    site_kinds         VARCHAR[] NOT NULL,
    violence_type      VARCHAR,
    source_grade       VARCHAR,
    number_of_sources  INTEGER,
    description        VARCHAR,
    description_ar     VARCHAR,
    flags              VARCHAR[] NOT NULL
);
-- harm counts of a report, long form: one row per (category, harm) the report gives
CREATE TABLE harm (
    report_id   BIGINT NOT NULL,
    category    VARCHAR NOT NULL,
    harm        VARCHAR NOT NULL,
    count_min   INTEGER,
    count_max   INTEGER,
    count_best  INTEGER
);
CREATE TABLE victim_record (
    victim_id         BIGINT NOT NULL,
    batch_id          INTEGER NOT NULL,
    row_number        BIGINT NOT NULL,
    source_id         INTEGER NOT NULL,
    record_id         VARCHAR,
    name              VARCHAR,
    name_ar           VARCHAR,
    given_name        VARCHAR,
    father_name       VARCHAR,
    grandfather_name  VARCHAR,
    family_name       VARCHAR,
    mother_name       VARCHAR,
    sex               VARCHAR,
    age_min           INTEGER,
    age_max           INTEGER,
    age_group         VARCHAR,
    status            VARCHAR NOT NULL,
    date_start        DATE,
    date_end          DATE,
    date_precision    VARCHAR NOT NULL,
    place_of_death    VARCHAR,
    place_of_death_ar VARCHAR,
    province          VARCHAR,
    cause             VARCHAR,
    perpetrators      VARCHAR[] NOT NULL,
    flags             VARCHAR[] NOT NULL
);
"""

# Governorate (and finer) polygons, and where each report falls in them.
V2_ADMIN: Final = """
CREATE TABLE admin_area (
    pcode        VARCHAR PRIMARY KEY,
    level        INTEGER NOT NULL,
    name_en      VARCHAR NOT NULL,
    name_ar      VARCHAR,
    parent_pcode VARCHAR,
    geometry_wkb BLOB NOT NULL,
    source_file  VARCHAR NOT NULL
);
CREATE TABLE report_admin (
    report_id   BIGINT NOT NULL,
    level       INTEGER NOT NULL,
    pcode       VARCHAR
);
"""

# Linkage: runs, scored pairs, stable person ids and their history, analyst decisions.
# `kind` is 'victims' (victim records -> persons) and, in a later issue, 'incidents'.
V3_LINKAGE: Final = """
CREATE TABLE link_run (
    run_id            INTEGER PRIMARY KEY,
    kind              VARCHAR NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    records           BIGINT,
    pairs_scored      BIGINT,
    clusters          BIGINT,
    threshold         DOUBLE,
    model_json        VARCHAR,
    blocking_rules    VARCHAR[],
    harmtrace_version VARCHAR NOT NULL
);
-- scored candidate pairs of a run (id_l < id_r), with the per-comparison detail as JSON
CREATE TABLE link_pair (
    run_id            INTEGER NOT NULL,
    kind              VARCHAR NOT NULL,
    id_l              BIGINT NOT NULL,
    id_r              BIGINT NOT NULL,
    match_weight      DOUBLE NOT NULL,
    match_probability DOUBLE NOT NULL,
    detail            VARCHAR
);
CREATE TABLE person (
    person_id     VARCHAR PRIMARY KEY,
    created_run   INTEGER NOT NULL,
    retired_run   INTEGER,
    retired_into  VARCHAR
);
-- current membership: which victim records make up each person (replaced by each run)
CREATE TABLE person_member (
    person_id    VARCHAR NOT NULL,
    victim_id    BIGINT NOT NULL,
    run_id       INTEGER NOT NULL,
    probability  DOUBLE NOT NULL
);
-- history of identities across runs: new, merge, split, retire
CREATE TABLE link_event (
    run_id     INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    event      VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL,
    other_ids  VARCHAR[] NOT NULL,
    records    BIGINT NOT NULL
);
-- an analyst's decision on two records: 'same' or 'different', always respected by later runs
CREATE TABLE decision (
    decision_id   INTEGER PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    verdict       VARCHAR NOT NULL,
    id_a          BIGINT NOT NULL,
    id_b          BIGINT NOT NULL,
    reason        VARCHAR NOT NULL,
    author        VARCHAR NOT NULL,
    decided_at    TIMESTAMP NOT NULL,
    superseded_by INTEGER
);
"""

# Incidents: clusters of reports judged to be one event, with stable ids, as persons are for victim
# records. Link runs, pairs, events and decisions reuse the V3 tables with kind = 'incidents'.
V4_INCIDENTS: Final = """
CREATE TABLE incident (
    incident_id   VARCHAR PRIMARY KEY,
    created_run   INTEGER NOT NULL,
    retired_run   INTEGER,
    retired_into  VARCHAR
);
-- current membership: which reports make up each incident (replaced by each run)
CREATE TABLE incident_member (
    incident_id  VARCHAR NOT NULL,
    report_id    BIGINT NOT NULL,
    run_id       INTEGER NOT NULL,
    probability  DOUBLE NOT NULL
);
"""

# Assessment of incidents: source independence, grades, attribution, declared strikes.
V5_ASSESS: Final = """
-- a report that repeats another (same text, same wire story, same media): not an independent source
CREATE TABLE report_copy (
    report_id    BIGINT NOT NULL,
    original_id  BIGINT NOT NULL,
    reason       VARCHAR NOT NULL,
    similarity   DOUBLE
);
-- a victim record tied to the report of the event it died in (by an importer or an analyst): the
-- persons of an incident are those of the victim records tied to its reports
CREATE TABLE victim_report (
    victim_id    BIGINT NOT NULL,
    report_id    BIGINT NOT NULL,
    method       VARCHAR NOT NULL
);
-- one row per incident of the last assessment run (replaced by each run)
CREATE TABLE incident_assessment (
    incident_id          VARCHAR PRIMARY KEY,
    assessed_at          TIMESTAMP NOT NULL,
    report_ids           BIGINT[] NOT NULL,
    sources              INTEGER NOT NULL,
    independent_sources  INTEGER NOT NULL,
    grade                VARCHAR NOT NULL,
    grade_reasons        VARCHAR[] NOT NULL,
    source_grades        VARCHAR[] NOT NULL,
    declared_strikes     INTEGER NOT NULL,
    persons              INTEGER NOT NULL
);
CREATE TABLE incident_attribution (
    incident_id  VARCHAR NOT NULL,
    perpetrator  VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,
    report_ids   BIGINT[] NOT NULL
);
-- an analyst's grade for an incident; a later decision on the same incident supersedes it
CREATE TABLE grade_decision (
    decision_id   INTEGER PRIMARY KEY,
    incident_id   VARCHAR NOT NULL,
    grade         VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    author        VARCHAR NOT NULL,
    decided_at    TIMESTAMP NOT NULL,
    superseded_by INTEGER
);
-- a belligerent's own strike log, one row per accepted input row (place, day, number of strikes)
CREATE TABLE declared_strike (
    strike_id     BIGINT PRIMARY KEY,
    batch_id      INTEGER NOT NULL,
    row_number    BIGINT NOT NULL,
    belligerent   VARCHAR NOT NULL,
    date_start    DATE NOT NULL,
    date_end      DATE NOT NULL,
    place_text    VARCHAR NOT NULL,
    latitude      DOUBLE NOT NULL,
    longitude     DOUBLE NOT NULL,
    precision     VARCHAR NOT NULL,
    strikes       INTEGER NOT NULL,
    placed_by     VARCHAR NOT NULL
);
-- an incident within the date and distance tolerances of a declared strike (replaced by each run)
CREATE TABLE incident_declared (
    incident_id       VARCHAR NOT NULL,
    strike_id         BIGINT NOT NULL,
    days_apart        INTEGER NOT NULL,
    distance_min_km   DOUBLE NOT NULL,
    distance_max_km   DOUBLE NOT NULL,
    tolerance_days    INTEGER NOT NULL,
    tolerance_km      DOUBLE NOT NULL
);
"""

# Gazetteer and where each report is placed (its own coordinates, or a gazetteer match).
V6_PLACES: Final = """
-- one gazetteer entry; (source_file, source_ref) identifies it across re-imports (place_id is kept)
CREATE TABLE place (
    place_id      BIGINT PRIMARY KEY,
    source_file   VARCHAR NOT NULL,
    source_format VARCHAR NOT NULL,
    source_ref    VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    name_en       VARCHAR,
    name_ar       VARCHAR,
    latitude      DOUBLE NOT NULL,
    longitude     DOUBLE NOT NULL,
    precision     VARCHAR NOT NULL,
    population    BIGINT,
    geometry_wkb  BLOB,
    pcode         VARCHAR,
    adm1_pcode    VARCHAR,
    adm2_pcode    VARCHAR,
    adm3_pcode    VARCHAR,
    UNIQUE (source_file, source_ref)
);
-- every name and variant of a place, with its matching keys (both scripts fold to one key)
CREATE TABLE place_name (
    place_id  BIGINT NOT NULL,
    name      VARCHAR NOT NULL,
    script    VARCHAR NOT NULL,
    name_key  VARCHAR NOT NULL,
    skeleton  VARCHAR
);
-- a report located from its place text (reports with their own coordinates need no row)
CREATE TABLE report_location (
    report_id     BIGINT NOT NULL,
    place_id      BIGINT NOT NULL,
    latitude      DOUBLE NOT NULL,
    longitude     DOUBLE NOT NULL,
    precision     VARCHAR NOT NULL,
    method        VARCHAR NOT NULL,
    score         DOUBLE,
    matched_text  VARCHAR NOT NULL,
    matched_name  VARCHAR NOT NULL,
    in_stated_adm VARCHAR NOT NULL
);
-- how each report_admin row was obtained ('point in area', 'nearest area', 'source name')
ALTER TABLE report_admin ADD COLUMN method VARCHAR;
"""

# Territory held over time, and protected sites. A control area is imported from a file (batch_id) or
# derived from an actor's own events (derivation_id, proxy = true: presence, not control). The coverage
# rows say which days a layer describes for an actor: inside them, no area of the actor means "not held".
V7_GEO: Final = """
CREATE TABLE control_area (
    area_id       BIGINT PRIMARY KEY,
    actor         VARCHAR NOT NULL,
    valid_from    DATE NOT NULL,
    valid_to      DATE NOT NULL,
    geometry_wkb  BLOB NOT NULL,
    source        VARCHAR NOT NULL,
    proxy         BOOLEAN NOT NULL,
    batch_id      INTEGER,
    derivation_id INTEGER,
    feature_ref   VARCHAR
);
CREATE TABLE control_coverage (
    actor         VARCHAR NOT NULL,
    valid_from    DATE NOT NULL,
    valid_to      DATE NOT NULL,
    source        VARCHAR NOT NULL,
    proxy         BOOLEAN NOT NULL,
    batch_id      INTEGER,
    derivation_id INTEGER
);
-- one `control derive` run: how an actor's presence areas were built from its events
CREATE TABLE control_derivation (
    derivation_id  INTEGER PRIMARY KEY,
    actor          VARCHAR NOT NULL,
    method         VARCHAR NOT NULL,
    parameters     VARCHAR NOT NULL,
    events_used    BIGINT NOT NULL,
    events_skipped BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE TABLE site (
    site_id       BIGINT PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    name_en       VARCHAR,
    name_ar       VARCHAR,
    latitude      DOUBLE NOT NULL,
    longitude     DOUBLE NOT NULL,
    radius_m      DOUBLE NOT NULL,
    open_from     DATE,
    open_to       DATE,
    source        VARCHAR NOT NULL,
    source_ref    VARCHAR,
    batch_id      INTEGER,
    row_number    BIGINT
);
"""

# What figures read, stored by `assess incidents` (replaced by each run): one row per incident with its
# interval, point, perpetrators (as written and as canonical actors), means and grade, and its harm
# ranges; the actor table the run used; and a fingerprint of what it read, so a figure can tell when
# reports, links or ties changed since (stale rows).
V8_ASSESS: Final = """
CREATE TABLE incident_item (
    item_id       BIGINT PRIMARY KEY,
    incident_id   VARCHAR NOT NULL,
    linked        BOOLEAN NOT NULL,
    reports       INTEGER NOT NULL,
    date_start    DATE,
    date_end      DATE,
    latitude      DOUBLE,
    longitude     DOUBLE,
    precision     VARCHAR NOT NULL,
    radius_m      DOUBLE,
    perpetrators  VARCHAR[] NOT NULL,
    actors        VARCHAR[] NOT NULL,
    means         VARCHAR[] NOT NULL,
    source_grade  VARCHAR,
    grade         VARCHAR NOT NULL
);
CREATE TABLE incident_harm (
    item_id     BIGINT NOT NULL,
    category    VARCHAR NOT NULL,
    harm        VARCHAR NOT NULL,
    count_min   INTEGER,
    count_max   INTEGER,
    count_best  INTEGER,
    persons     INTEGER NOT NULL
);
CREATE TABLE assessment_actor (
    alias_key  VARCHAR PRIMARY KEY,
    actor      VARCHAR NOT NULL,
    origin     VARCHAR NOT NULL
);
CREATE TABLE assessment_state (
    assessed_at  TIMESTAMP NOT NULL,
    fingerprint  VARCHAR NOT NULL,
    incidents    BIGINT NOT NULL,
    actors_file  VARCHAR
);
"""

# Records over time, doubt at the field, and who died. A row is identified by its source and record id:
# a re-import of a corrected file adds new records, leaves unchanged ones alone and records changed ones
# as a new version of the same report (or victim record), whose id is kept; earlier versions and
# withdrawn records leave the live tables for `record_version`, kept whole (as JSON) and visible. A
# field that fails its check is set aside (`field_issue`) while the rest of its row is accepted.
# `harm_side` holds the deaths a source says a named party sustained (UCDP deaths_a / deaths_b), so a
# side's figures need not count its own dead as deaths it caused.
V9_VERSIONS: Final = """
ALTER TABLE report ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE report ADD COLUMN content_sha256 VARCHAR;
ALTER TABLE victim_record ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE victim_record ADD COLUMN content_sha256 VARCHAR;
-- an earlier version of a record, or a withdrawn record, as it was (the record and its harm rows)
CREATE TABLE record_version (
    kind         VARCHAR NOT NULL,
    record_key   BIGINT NOT NULL,
    version      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL,
    record_id    VARCHAR,
    batch_id     INTEGER NOT NULL,
    row_number   BIGINT NOT NULL,
    content      JSON NOT NULL,
    ended_batch  INTEGER NOT NULL,
    ended_how    VARCHAR NOT NULL,
    ended_at     TIMESTAMP NOT NULL
);
-- a data row of a batch that is a record already in the store: 'unchanged' or 'changed' (a new version)
CREATE TABLE batch_match (
    batch_id    INTEGER NOT NULL,
    row_number  BIGINT NOT NULL,
    kind        VARCHAR NOT NULL,
    record_key  BIGINT NOT NULL,
    outcome     VARCHAR NOT NULL
);
-- a field of an accepted row set aside as faulty (its value is unknown in the record); field is the
-- normalised field or group ('killed_men', 'coordinates'), reason "code: detail"
CREATE TABLE field_issue (
    batch_id    INTEGER NOT NULL,
    row_number  BIGINT NOT NULL,
    field       VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL
);
CREATE TABLE harm_side (
    report_id   BIGINT NOT NULL,
    side        VARCHAR NOT NULL,
    harm        VARCHAR NOT NULL,
    count_min   INTEGER,
    count_max   INTEGER,
    count_best  INTEGER
);
-- per stored incident (item) and canonical actor: the deaths its reports say that actor's side sustained
CREATE TABLE incident_harm_side (
    item_id     BIGINT NOT NULL,
    actor       VARCHAR NOT NULL,
    harm        VARCHAR NOT NULL,
    count_best  INTEGER
);
ALTER TABLE batch ADD COLUMN rows_new BIGINT;
ALTER TABLE batch ADD COLUMN rows_unchanged BIGINT;
ALTER TABLE batch ADD COLUMN rows_changed BIGINT;
ALTER TABLE batch ADD COLUMN rows_withdrawn BIGINT;
ALTER TABLE batch ADD COLUMN rows_with_field_issues BIGINT;
"""

# Citations are evidence. A report is known in its own source by its record id and by other codes (an
# incident's current code and the codes it had before: another source may cite an old one), and it may
# cite another source's record ("Airwars,2017-03-01,... (S380)"). Codes are compared trimmed and upper-
# cased (`code`, `cited_code`); `written` keeps a code as given, `text` the citation as written. A
# pair linked because one report cites the other is a `link_pair` of method 'cited' (else 'model').
V10_CITATIONS: Final = """
CREATE TABLE report_code (
    report_id   BIGINT NOT NULL,
    code        VARCHAR NOT NULL,
    written     VARCHAR NOT NULL
);
CREATE TABLE report_citation (
    report_id     BIGINT NOT NULL,
    cited_source  VARCHAR NOT NULL,
    cited_code    VARCHAR NOT NULL,
    cited_date    DATE,
    text          VARCHAR
);
ALTER TABLE link_pair ADD COLUMN method VARCHAR NOT NULL DEFAULT 'model';
"""

# Containment: an incident that is part of another in one incident link run (a strike of a city's daily
# toll, a day of a campaign), so figures count the two once (`harmtrace.link.parts`). Ids are incident ids
# of that run, as in incident_member; readers take the rows of the run incident_member holds. A part has
# one whole and a whole is never a part (one level). method: 'decision', 'model' or 'cited'.
V11_CONTAINMENT: Final = """
CREATE TABLE incident_part (
    run_id       INTEGER NOT NULL,
    part_id      VARCHAR NOT NULL,
    whole_id     VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,
    probability  DOUBLE
);
"""

V12_UNFINISHED: Final = """
CREATE TABLE unfinished_batch (
    batch_id    INTEGER PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL
);
"""

# The team server (`harmtrace serve`): accounts with argon2 password hashes, API tokens and browser
# sessions stored as SHA-256 of their secret (never the secret), the audit log of every write and every
# read of an audited field (`harmtrace.publish.policy`), and the state behind the change and deletions
# feeds: per served incident, the hash of what it shows and when that last changed or ended.
V13_SERVER: Final = """
CREATE TABLE account (
    name           VARCHAR PRIMARY KEY,
    role           VARCHAR NOT NULL,
    password_hash  VARCHAR,
    created_at     TIMESTAMP NOT NULL,
    disabled_at    TIMESTAMP
);
CREATE TABLE api_token (
    token_sha256  VARCHAR PRIMARY KEY,
    account       VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP,
    revoked_at    TIMESTAMP
);
CREATE TABLE web_session (
    session_sha256  VARCHAR PRIMARY KEY,
    account         VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL
);
CREATE SEQUENCE audit_entry_seq;
CREATE TABLE audit_log (
    entry_id    BIGINT PRIMARY KEY DEFAULT nextval('audit_entry_seq'),
    logged_at   TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    entity      VARCHAR NOT NULL,
    entity_ids  VARCHAR[] NOT NULL,
    fields      VARCHAR[] NOT NULL,
    detail      VARCHAR
);
CREATE TABLE feed_state (
    incident_id     VARCHAR PRIMARY KEY,
    content_sha256  VARCHAR NOT NULL,
    first_seen      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    replaced_by     VARCHAR
);
"""

# The batch columns every importer fills, in order (later migrations add columns some importers fill)
BATCH_COLUMNS: Final = (
    "batch_id, source_id, format, file_name, file_sha256, file_bytes, encoding, mapping_sha256, "
    "mapping_text, header, rows_read, rows_accepted, rows_quarantined, rows_flagged, started_at, "
    "finished_at, harmtrace_version"
)

MIGRATIONS: Final[tuple[str, ...]] = (
    V1_CORE,
    V2_ADMIN,
    V3_LINKAGE,
    V4_INCIDENTS,
    V5_ASSESS,
    V6_PLACES,
    V7_GEO,
    V8_ASSESS,
    V9_VERSIONS,
    V10_CITATIONS,
    V11_CONTAINMENT,
    V12_UNFINISHED,
    V13_SERVER,
)
