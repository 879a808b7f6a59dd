import re

from hypothesis import given
from hypothesis import strategies as st

from kiosk.submission import _ALPHABET, new_local_reference, normalise_reference

REFERENCE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]")


def test_reference_shape_and_check():
    refs = {new_local_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert REFERENCE.fullmatch(ref), ref
        assert normalise_reference(ref) == ref
    # Every speakable check symbol occurs: the check is not a constant.
    assert len({r[-1] for r in refs}) == 32


def test_reference_typed_by_hand():
    ref = new_local_reference()
    typed = ref.lower().replace("-", " ")
    assert normalise_reference(typed) == ref
    # O for 0 and I or L for 1, as people misread them.
    confused = ref.replace("0", "O").replace("1", "I")
    assert normalise_reference(confused) == ref


def test_one_wrong_character_is_caught():
    ref = new_local_reference()
    body = ref.replace("-", "")
    for i in range(len(body) - 1):
        for c in _ALPHABET:
            if c != body[i]:
                wrong = body[:i] + c + body[i + 1 :]
                assert normalise_reference(wrong) is None


def test_two_swapped_characters_are_caught():
    ref = new_local_reference().replace("-", "")
    for i in range(len(ref) - 2):
        if ref[i] != ref[i + 1]:
            swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2 :]
            assert normalise_reference(swapped) is None


@given(st.text(max_size=20))
def test_normalise_never_raises(s):
    result = normalise_reference(s)
    assert result is None or REFERENCE.fullmatch(result)
