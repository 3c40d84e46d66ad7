"""repo_name_lookup: every name ever seen leads to one repo id; renames are followed."""

from tests.unit.view_fixtures import assert_unique, repo, rows, warehouse


def test_old_and_current_names_lead_to_one_id_and_reused_names_to_the_right_one() -> None:
    con = warehouse()
    repo(con, 1, "zai-org/GLM-4", old_names={"THUDM/GLM-4": "2026-02-01"})
    repo(con, 3, "THUDM/glm-4")  # the old name taken by a new repo: it carries the name now
    repo(con, 4, "a/four", old_names={"a/x": "2026-01-10"})
    repo(con, 5, "a/five", old_names={"a/x": "2026-02-10"})  # seen under a/x more recently than 4

    assert rows(con, "select name, repo_id, repo from repo_name_lookup order by name") == [
        ("a/five", 5, "a/five"),
        ("a/four", 4, "a/four"),
        ("a/x", 5, "a/five"),
        ("thudm/glm-4", 3, "THUDM/glm-4"),
        ("zai-org/glm-4", 1, "zai-org/GLM-4"),
    ]
    assert_unique(con, "repo_name_lookup", ["name"])
