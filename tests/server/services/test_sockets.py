"""SocketCounts: each person's open WebSockets, counted apart."""

from nnplayground.server.services.sockets import SocketCounts


def test_each_person_has_their_own_count_up_to_the_limit() -> None:
    counts = SocketCounts()
    assert counts.take("learner:ann", 2) and counts.take("learner:ann", 2)
    assert not counts.take("learner:ann", 2)  # a third: refused, and not counted
    assert counts.held("learner:ann") == 2
    assert counts.take("learner:bob", 2)  # behind the same school router: still his own
    counts.give("learner:ann")
    assert counts.take("learner:ann", 2)
    for _ in range(3):
        counts.give("learner:bob")  # a give too many never goes below zero
    assert counts.held("learner:bob") == 0 and counts.take("learner:bob", 1)
