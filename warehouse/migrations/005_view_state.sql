-- 005: which version of the views the file holds (a digest of every view file), so each open for writing
-- re-applies the views only when openwave's view files changed.

create table view_state (
    digest      varchar not null,
    applied_at  timestamptz not null
);
