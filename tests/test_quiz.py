import pytest

from labs import quiz


def test_every_question_is_well_formed():
    keys = [q.key for q in quiz.QUESTIONS]
    assert len(keys) == len(set(keys)) >= 6
    for q in quiz.QUESTIONS:
        if q.choices:
            assert q.answer in q.choices
            # every wrong letter gets its own explanation, distinct from the right answer's
            assert set(q.explanations) == set(q.choices) - {q.answer}, q.key
        else:
            assert isinstance(q.answer, (int, float)) and "other" in q.explanations
        assert q.why and q.read


def test_right_answers_are_accepted_and_explained():
    for q in quiz.QUESTIONS:
        feedback = quiz.check(q.key, q.answer)
        assert feedback.correct and feedback.message == q.why
        assert str(feedback).startswith(f"[{q.key}] right")


def test_every_wrong_choice_gets_its_own_explanation_and_a_pointer():
    for q in quiz.QUESTIONS:
        for letter in set(q.choices) - {q.answer}:
            feedback = quiz.check(q.key, letter.upper() + " ")
            assert not feedback.correct
            assert q.explanations[letter] in feedback.message and q.read in feedback.message


def test_number_questions_recognise_typical_mistakes():
    assert quiz.check("directions", "10").correct
    assert "number of columns" in quiz.check("directions", 64).message
    assert "count the rows" in quiz.check("directions", 7).message
    assert quiz.check("ratio", "8.0").correct
    assert "input over output" in quiz.check("ratio", 0.125).message
    assert "1,024 pixels" in quiz.check("ratio", 4).message


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: quiz.check("nope", "a"), KeyError, "the questions are"),
    (lambda: quiz.show("nope"), KeyError, "the questions are"),
    (lambda: quiz.check("directions", "ten"), TypeError, "asks for a number"),
    (lambda: quiz.check("directions", True), TypeError, "not True or False"),
    (lambda: quiz.check_all({"process": "a", "typo": "b"}), KeyError, "typo"),
])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_answer_outside_the_choices_is_reported_not_judged():
    feedback = quiz.check("process", "d")
    assert not feedback.correct and "not one of the choices" in feedback.message


def test_show_and_check_all():
    text = quiz.show()
    assert all(q.prompt in text for q in quiz.QUESTIONS)
    assert "a) embedding" in quiz.show("process")
    results = quiz.check_all({"process": "a", "inclusion": "a"})
    assert [r.key for r in results] == [q.key for q in quiz.QUESTIONS]
    assert results[0].correct and not results[1].correct
    assert all(r.message == "not answered yet" for r in results[2:])
    assert quiz.score(results) == f"1 of {len(quiz.QUESTIONS)} right"


def test_a_question_of_ones_own_is_checked_the_same_way():
    mine = quiz.Question(key="mine", prompt="2 + 2?", answer=4, why="arithmetic", read="anywhere",
                         explanations={5: "one too many", "other": "add again"})
    assert quiz.check(mine, "4").correct
    assert "one too many" in quiz.check(mine, 5).message and "add again" in quiz.check(mine, 3).message
