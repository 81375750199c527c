"""Version matrix (data in rules/versions/), version parsing, removed APIs and the upgrade-path planner."""
