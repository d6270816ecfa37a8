"""The comparison the README examples are held to: words exact, digits of floats close."""

from texts import same_text


def test_floats_may_differ_in_their_last_digits_and_alignment():
    printed = "x      2.837498137307049  2.8374981373070884  4e-14  1.4e-14  ok"
    shown = "x      2.837498137307049  2.8374981373070867  3.8e-14  1.3e-14  ok"
    assert same_text(printed, shown)


def test_integers_and_words_must_be_the_same():
    assert not same_text("value  301", "value  300")
    assert not same_text("value  300.0000001", "value  300")
    assert not same_text("ok: all", "FAILED: all")
    assert not same_text("value  1\n", "value  1\nextra\n")


def test_floats_that_differ_beyond_the_last_digits_are_different():
    assert not same_text("0.4593866526529927", "0.45938665265")
    assert not same_text("3.8e-14", "3.8e-12")
