"""event_repos: the repo an event names (renames followed), else every repo of its entity."""

from tests.unit.view_fixtures import assert_unique, entity, event, repo, rows, warehouse


def test_named_repo_else_the_entity_repos() -> None:
    con = warehouse()
    entity(con, "zhipu", "CN")
    repo(con, 1, "zai-org/GLM-4", entities=("zhipu",), old_names={"THUDM/GLM-4": "2026-02-01"})
    repo(con, 2, "zai-org/CogVideo", entities=("zhipu",))
    event(con, 1, "2026-03-01", "zhipu", "GLM-4 by its old name", repo_name="thudm/glm-4")
    event(con, 2, "2026-03-02", "zhipu", "a lab-wide release")
    event(con, 3, "2026-03-03", "zhipu", "an unknown repo", repo_name="nobody/nothing")

    assert rows(con, "select event_id, repo_id, via from event_repos order by event_id, repo_id") == [
        (1, 1, "repo"),
        (2, 1, "entity"),
        (2, 2, "entity"),
    ]
    assert_unique(con, "event_repos", ["event_id", "repo_id"])
