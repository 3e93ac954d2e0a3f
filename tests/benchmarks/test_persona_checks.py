"""The persona evaluation's rule checks judge what they say they judge."""

from __future__ import annotations

from benchmarks.persona_checks import Context, Probe, judge, sentences, similar
from benchmarks.persona_probes import PROBES

ADA = Probe(
    "Ada", "Historian", "You are Ada.", "what did Romans eat? Two sentences.", ("bread",), 2
)
ROOM = Context(asker="Sam", others=["Rex"], earlier=["Glass cracks under point loads."])


def failed(reply: str, probe: Probe = ADA, context: Context = ROOM) -> list[str]:
    return judge(probe, context, reply).failed


def test_a_good_reply_passes() -> None:
    assert failed("Bread, mostly, with cheese and olives. Rich Romans added honey cakes.") == []


def test_each_rule() -> None:
    assert failed("[pass]") == ["answered", "on topic"]
    assert "no AI talk" in failed("As an AI, I think bread.")
    assert "no AI talk" in failed("I'm sorry, but I can't talk about bread.")
    assert "no own name in front" in failed("Ada: Bread and cheese.")
    assert "no own name in front" in failed("**Ada (Historian):** Bread.")
    assert "no asker name in front" in failed("@Sam, bread and cheese.")
    assert "speaks only for itself" in failed("Bread.\nRex: Steel is better.")
    assert "speaks only for itself" in failed("Bread.\nJen: and cheese?")
    assert "no asker name in front" in failed("@Sam bread and cheese.")
    assert "within the asked length" in failed("Bread. Cheese. Olives.")
    assert "on topic" in failed("The weather is nice today.")
    assert "no echo" in failed("Glass cracks under point loads, bread.")


def test_sentences_and_similarity() -> None:
    assert sentences("One. Two! Three?") == 3
    assert sentences("No full stop") == 1
    assert sentences("Pi is 3.14 exactly.") == 1
    assert similar("Hello  World", "hello world") == 1.0
    assert similar("abc", "") == 0.0


def test_the_set_is_large_and_varied() -> None:
    assert len(PROBES) >= 30
    assert len({p.persona for p in PROBES}) == len(PROBES)
    assert all(p.topic for p in PROBES)
