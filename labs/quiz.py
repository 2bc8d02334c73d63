"""A self-check on the course's three words, checked by a function that explains a wrong answer.

Used in: chapter 6.

Each :class:`Question` is multiple choice (answer with the letter) or asks for a number. The
answers follow from definitions and from arithmetic the reader can redo, never from a number a
model happened to reach, so the quiz stays true when a chapter's models are retrained.

    from labs import quiz
    print(quiz.show("expansion"))
    print(quiz.check("expansion", "b"))
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Question:
    """One question. ``choices`` maps a letter to an option (empty for a number question);
    ``explanations`` maps a wrong letter, or ``"other"``, to why it is wrong; ``why`` explains
    the right answer; ``read`` says where the course shows it."""

    key: str
    prompt: str
    answer: str | float
    why: str
    read: str
    choices: dict = field(default_factory=dict)
    explanations: dict = field(default_factory=dict)
    tolerance: float = 0.0  # number questions: accepted distance from the answer


@dataclass(frozen=True)
class Feedback:
    """What :func:`check` says about one answer."""

    key: str
    correct: bool
    message: str

    def __str__(self) -> str:
        return f"[{self.key}] {'right' if self.correct else 'not quite'}: {self.message}"


QUESTIONS: tuple[Question, ...] = (
    Question(
        key="process",
        prompt="Which of the three words names a process rather than a vector?",
        choices={"a": "embedding", "b": "embedding vector", "c": "latent vector"},
        answer="a",
        why="an embedding is the learned map (the process); what it returns are embedding vectors.",
        explanations={
            "b": "the embedding vector is the result of the process, the vector an embedding returns.",
            "c": "a latent vector is a kind of result: an embedding vector that compresses its input.",
        },
        read="the introduction and chapter 1",
    ),
    Question(
        key="inclusion",
        prompt="Which statement is true?",
        choices={
            "a": "every embedding vector is a latent vector",
            "b": "every latent vector is an embedding vector",
            "c": "the two sets do not overlap",
        },
        answer="b",
        why="latent vectors are the special case of embedding vectors that compress their input "
            "(latent ⊂ embedding).",
        explanations={
            "a": "the inclusion runs the other way: an embedding vector larger than its input "
                 "(10 categories -> 64 numbers) is not a latent vector.",
            "c": "they overlap completely on one side: a latent vector is an embedding vector that "
                 "compresses.",
        },
        read="chapter 4, the Venn diagram",
    ),
    Question(
        key="expansion",
        prompt="A trained nn.Embedding maps 10 categories to 64 numbers each. Its vectors are:",
        choices={
            "a": "latent vectors: 64 learned features per category",
            "b": "embedding vectors, not latent vectors",
            "c": "neither: a lookup table is not an embedding",
        },
        answer="b",
        why="64 numbers for an input whose one-hot code has 10 is an expansion; the table's 10 rows "
            "span at most 10 directions, so nothing is compressed.",
        explanations={
            "a": "64 numbers per category are not 64 features: 10 rows span at most 10 directions, "
                 "and the task loss stops improving once the width reaches the one-hot size.",
            "c": "an nn.Embedding trained on a task is a learned map from ids to vectors: an "
                 "embedding, and its rows are embedding vectors.",
        },
        read="chapter 4, 'Embedding but not latent'",
    ),
    Question(
        key="directions",
        prompt="At most how many directions can the vectors of a 10-row, 64-column embedding table span?",
        answer=10,
        why="a matrix with 10 rows has rank at most 10, however many columns it has (9 once the "
            "mean is removed).",
        explanations={
            64: "64 is the number of columns, the length of each vector; the rank is bounded by "
                "the number of rows too, and there are only 10.",
            "other": "count the rows: the rank of a matrix is at most its number of rows or columns, "
                     "whichever is smaller.",
        },
        read="chapter 4, the singular values of the category table",
    ),
    Question(
        key="ratio",
        prompt="An autoencoder encodes 32 x 32 grey images into a 128-number bottleneck. "
               "By what factor does the bottleneck compress the number of values?",
        answer=8,
        tolerance=0.01,
        why="32 x 32 = 1,024 pixels and 1,024 / 128 = 8.",
        explanations={
            0.125: "that is output over input; the compression ratio is input over output, "
                   "1,024 / 128 = 8.",
            4: "a 32 x 32 image has 1,024 pixels, not 512: 1,024 / 128 = 8.",
            "other": "count the pixels (32 x 32) and divide by the bottleneck size.",
        },
        read="chapter 4, 'Latent: a 1024 -> 128 bottleneck'",
    ),
    Question(
        key="feature-map",
        prompt="A CNN's first block turns an 8 x 8 digit (64 pixels) into 16 feature maps of "
               "8 x 8. By the course's rule, these feature maps are:",
        choices={
            "a": "latent vectors, because CNN feature maps extract features",
            "b": "embedding vectors that expand the input, not latent vectors",
            "c": "not embedding vectors at all",
        },
        answer="b",
        why="16 x 8 x 8 = 1,024 numbers for 64 pixels is an expansion; a feature map becomes a "
            "latent vector only where the network narrows below its input (the penultimate layer).",
        explanations={
            "a": "the name does not decide it, the size does: 1,024 numbers for 64 pixels is an "
                 "expansion, whatever the layer is called.",
            "c": "they are the output of a learned map from the image, so they are embedding vectors; "
                 "only not latent ones.",
        },
        read="chapter 5.2, and the summary table of chapter 6",
    ),
    Question(
        key="gan-noise",
        prompt="A GAN's generator turns a noise vector z ~ N(0, I) into an image. z is:",
        choices={
            "a": "a latent vector of the image, because it is smaller than the image",
            "b": "drawn, not computed from any data: no embedding produced it, so the "
                 "compression test has nothing to compare it with",
            "c": "an embedding vector larger than the image",
        },
        answer="b",
        why="z is the generator's input, sampled at random; it is 'latent' in the sense of a hidden "
            "cause of a generative model, not a compressed code of given data (unless an encoder or "
            "an inversion maps images back to z).",
        explanations={
            "a": "being small is not enough: a latent vector compresses an input, and nothing maps "
                 "an image to z in a GAN. labs.taxonomy.classify refuses z for that reason.",
            "c": "z is smaller than the image and it is not the output of any map from data.",
        },
        read="chapter 4, 'Where the taxonomy is contested', and chapter 3",
    ),
    Question(
        key="random-projection",
        prompt="A random, untrained matrix maps 1,024 pixels to 128 numbers. Are the results latent vectors?",
        choices={
            "a": "yes: they have fewer numbers than the input",
            "b": "no: no objective trained them to keep the essential factors",
        },
        answer="b",
        why="a latent vector compresses the input into the factors that serve an objective; a random "
            "map reduces the count of numbers but was never trained to keep what matters.",
        explanations={
            "a": "fewer numbers is necessary, not sufficient: a latent vector is learned to keep the "
                 "essential features (the source document's 'compressed to essential features').",
        },
        read="chapter 4, exercise on a random projection",
    ),
)

_BY_KEY = {q.key: q for q in QUESTIONS}


def question(key: str) -> Question:
    """The question named ``key`` (see :data:`QUESTIONS`); an unknown key lists the known ones."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no question {key!r}; the questions are {list(_BY_KEY)}") from None


def show(key: str | None = None) -> str:
    """The text of one question, or of all of them, numbered, with their choices."""
    chosen = [question(key)] if key is not None else list(QUESTIONS)
    blocks = []
    for number, q in enumerate(chosen, 1):
        head = f"{number}. [{q.key}] {q.prompt}" if key is None else f"[{q.key}] {q.prompt}"
        lines = [head] + [f"   {letter}) {text}" for letter, text in q.choices.items()]
        if not q.choices:
            lines.append("   (answer with a number)")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _as_number(answer) -> float:
    if isinstance(answer, bool):
        raise TypeError("answer with a number, not True or False")
    if isinstance(answer, str):
        answer = answer.strip().replace(",", "").replace("_", "")
    try:
        return float(answer)
    except (TypeError, ValueError):
        raise TypeError(f"this question asks for a number, got {answer!r}") from None


def check(key: str | Question, answer) -> Feedback:
    """Check ``answer`` to question ``key`` and explain it: why it is right, or why it is wrong.

    ``key`` names a question of :data:`QUESTIONS`, or is a :class:`Question` of your own.
    Multiple-choice answers are letters (case and spaces ignored); number questions accept ints,
    floats or numeric strings ("1,024"). An answer that is not one of the choices is reported as
    such, with the valid letters.
    """
    q = key if isinstance(key, Question) else question(key)
    key = q.key
    if q.choices:
        letter = str(answer).strip().lower().rstrip(")")
        if letter not in q.choices:
            return Feedback(key, False, f"{answer!r} is not one of the choices {sorted(q.choices)}; "
                                        "answer with a letter")
        if letter == q.answer:
            return Feedback(key, True, q.why)
        reason = q.explanations.get(letter, q.why)
        return Feedback(key, False, f"{reason} (Read: {q.read}.)")
    value = _as_number(answer)
    if abs(value - float(q.answer)) <= q.tolerance:
        return Feedback(key, True, q.why)
    for wrong, reason in q.explanations.items():
        if wrong != "other" and abs(value - float(wrong)) <= max(q.tolerance, 1e-9):
            return Feedback(key, False, f"{reason} (Read: {q.read}.)")
    return Feedback(key, False, f"{q.explanations.get('other', q.why)} (Read: {q.read}.)")


def check_all(answers: dict) -> list[Feedback]:
    """:func:`check` every ``key -> answer`` of ``answers``; questions left out are reported as unanswered."""
    unknown = [key for key in answers if key not in _BY_KEY]
    if unknown:
        raise KeyError(f"no question {unknown}; the questions are {list(_BY_KEY)}")
    results = []
    for q in QUESTIONS:
        if q.key in answers:
            results.append(check(q.key, answers[q.key]))
        else:
            results.append(Feedback(q.key, False, "not answered yet"))
    return results


def score(feedback: list[Feedback]) -> str:
    """'k of n right' for a list of :class:`Feedback`."""
    return f"{sum(f.correct for f in feedback)} of {len(feedback)} right"
