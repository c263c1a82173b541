"""The SnapStart uniqueness check: ids shared across restored environments are named."""

from __future__ import annotations

from harness.postdeploy.snapstart import EnvironmentIds, collisions, uniqueness_problem


def env(name: str, traces: list[str], spans: list[str], sessions: list[str]) -> EnvironmentIds:
    return EnvironmentIds(name, tuple(traces), tuple(spans), tuple(sessions))


def test_distinct_ids_pass_and_ids_repeated_inside_one_environment_are_fine() -> None:
    envs = [
        env("a", ["t1", "t1"], ["s1", "s2"], ["x1"]),
        env("b", ["t2"], ["s3"], ["x2"]),
        env("c", ["t3"], ["s4"], ["x3"]),
    ]
    assert collisions(envs) == []
    assert uniqueness_problem("fn", envs) is None


def test_shared_ids_are_named_with_their_kind_and_how_many_environments_drew_them() -> None:
    envs = [
        env("a", ["aaaa"], ["s1"], ["x1"]),
        env("b", ["aaaa"], ["s1"], ["x2"]),
        env("c", ["cccc"], ["s1"], ["x2"]),
    ]
    found = {(c.kind, c.value, c.environments) for c in collisions(envs)}
    assert found == {
        ("trace id", "aaaa", ("a", "b")),
        ("span id", "s1", ("a", "b", "c")),
        ("session id", "x2", ("b", "c")),
    }
    message = uniqueness_problem("honeyhive-ci-working-sdk-test", envs)
    assert message is not None
    assert message.startswith("honeyhive-ci-working-sdk-test: 3 environments restored")
    assert "1 trace id(s) shared: aaaa (in 2)" in message
    assert "1 span id(s) shared: s1 (in 3)" in message
    assert "1 session id(s) shared: x2 (in 2)" in message
    assert "register_after_restore" in message


def test_a_long_list_is_cut_but_counted() -> None:
    envs = [env(name, [f"t{i}" for i in range(8)], [name], [name]) for name in ("a", "b")]
    message = uniqueness_problem("fn", envs)
    assert message is not None
    assert "8 trace id(s) shared: t0 (in 2)" in message and "and 3 more" in message
    assert "t5" not in message
