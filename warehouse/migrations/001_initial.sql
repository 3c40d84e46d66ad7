-- 001: the collection schema. Identity: a GitHub repo is its numeric id; a model is its author/name.

create table entities (
    entity_key  varchar primary key,
    name        varchar not null,
    region      varchar not null,            -- CN, US, EU, other
    kind        varchar not null,            -- ai-lab, big-tech, community, foundation
    mirror      boolean not null default false,
    notes       varchar,
    updated_at  timestamptz not null
);

-- what config.toml asks for, one row per entity and target
create table entity_github_orgs (entity_key varchar not null, org varchar not null, primary key (entity_key, org));
create table entity_github_repos (entity_key varchar not null, repo varchar not null, primary key (entity_key, repo));
create table entity_hf_authors (entity_key varchar not null, author varchar not null, primary key (entity_key, author));

-- which repo ids each entity covers, as resolved by the last successful listing (org listing or a named repo)
create table entity_repos (
    entity_key  varchar not null,
    repo_id     bigint not null,
    via         varchar not null,            -- 'org' or 'repo'
    first_seen  date not null,
    last_seen   date not null,
    primary key (entity_key, repo_id)
);

-- one row per repo id: its latest descriptive fields
create table github_repos (
    repo_id      bigint primary key,
    repo         varchar not null,           -- owner/name as GitHub returns it now
    description  varchar,                    -- untrusted upstream text
    language     varchar,
    license_spdx varchar,
    created_at   timestamptz,
    pushed_at    timestamptz,
    is_archived  boolean,
    is_fork      boolean,
    first_seen   date not null,
    last_seen    date not null
);

-- every name a repo id has been seen under (renames: THUDM -> zai-org, moltbot -> openclaw)
create table github_repo_names (
    repo_id     bigint not null,
    repo        varchar not null,
    first_seen  date not null,
    last_seen   date not null,
    primary key (repo_id, repo)
);

create table github_repo_snapshots (
    snapshot_date date not null,             -- UTC day
    repo_id       bigint not null,
    repo          varchar not null,          -- owner/name as GitHub returned it that day
    stars         bigint not null,
    forks         bigint,
    license_spdx  varchar,
    is_archived   boolean,
    via           varchar not null,          -- graphql, rest, rest-304 (reused from the last 200), import
    origin        varchar not null default 'collected',  -- collected | imported:<file name>
    run_id        bigint,
    fetched_at    timestamptz not null,
    primary key (snapshot_date, repo_id)
);

-- conditional-request validators (REST): the ETag and body of the last 200 per URL
create table github_http_cache (
    url         varchar primary key,
    etag        varchar not null,
    body        varchar not null,
    fetched_at  timestamptz not null
);

create table hf_model_snapshots (
    snapshot_date      date not null,        -- UTC day
    model_id           varchar not null,     -- author/name
    hub_id             varchar,              -- the Hub's _id, stable across renames
    author             varchar not null,
    downloads_30d      bigint,               -- the Hub's rolling 30-day count on that day
    downloads_all_time bigint,
    likes              bigint,
    license            varchar,              -- normalised lower-case id
    license_name       varchar,              -- card license_name (for 'other')
    license_source     varchar,              -- tag | card
    gated              varchar,
    pipeline_tag       varchar,
    library_name       varchar,
    tags               varchar[],
    base_models        varchar[],
    children_count     bigint,               -- childrenModelCount: derivative models
    created_at         timestamptz,
    last_modified      timestamptz,
    origin             varchar not null default 'collected',
    run_id             bigint,
    fetched_at         timestamptz not null,
    primary key (snapshot_date, model_id)
);

create table license_categories (
    license   varchar primary key,           -- normalised lower-case id, or a license_name for 'other'
    category  varchar not null,              -- permissive | open-weights-restricted | other | unknown
    note      varchar
);

create sequence runs_seq start 1;

create table runs (
    run_id              bigint primary key default nextval('runs_seq'),
    command             varchar not null,    -- collect | backfill | demo
    started_at          timestamptz not null,
    finished_at         timestamptz,
    status              varchar not null,    -- running | ok | partial | failed | interrupted
    sources             varchar,             -- comma-separated
    entity_filter       varchar,
    repos_stored        bigint default 0,
    models_stored       bigint default 0,
    github_requests     bigint default 0,
    hf_requests         bigint default 0,
    rate_limit_remaining bigint,
    rate_limit_reset    timestamptz,
    items_failed        bigint default 0,
    message             varchar,
    collector_version   varchar,
    pid                 integer,             -- the collecting process, to tell a dead run from a live one
    host                varchar
);

create table run_errors (
    run_id   bigint not null,
    source   varchar not null,               -- github | huggingface
    item     varchar not null,               -- owner/name, org, author or model id
    kind     varchar not null,               -- not_found | blocked | rate_limited | skipped | bad_response | error
    message  varchar not null,
    error_at timestamptz not null
);
