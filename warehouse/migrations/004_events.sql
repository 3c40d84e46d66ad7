-- 004: dated releases and milestones ([[event]] in config.toml) and the repo pairs of star_crossovers
-- ([[crossover]]). Both are replaced from config.toml on every collect.

create table events (
    event_id    integer primary key,          -- position in config.toml (1-based)
    day         date not null,                -- a month-only date means its first day
    end_day     date,
    entity_key  varchar not null,
    label       varchar not null,
    repo        varchar,                      -- optional owner/name the event is about
    model       varchar,                      -- optional author/name the event is about
    confidence  varchar,
    source      varchar
);

create table crossover_pairs (
    repo_a  varchar not null,                 -- owner/name; matched case-insensitively, renames followed
    repo_b  varchar not null,
    primary key (repo_a, repo_b)
);
