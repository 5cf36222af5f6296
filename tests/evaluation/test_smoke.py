from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.periods import parse_period
from tests.evaluation.conftest import AFTER, at


def test_smoke(drive, no_minimums, org):
    case = drive.report(at(13, 9, 0))
    drive.run(case, ("accept", at(13, 9, 10)), ("register", at(13, 9, 20)), ("dispatch", at(13, 9, 30)),
              ("dispose", at(13, 10, 0)), ("send_for_check", at(13, 10, 5)), ("check_pass", at(13, 10, 30)),
              ("close", at(13, 10, 40)))
    result = evaluate(parse_period("2026-10"), org.city, now=AFTER)
    for kind, scored in result.scores.items():
        for s in scored:
            print(kind, s.subject.label, s.subject.counts, s.outcome.index, s.outcome.grade, s.outcome.rank, s.outcome.note)
    for d in result.deductions:
        print(d.subject.label, d.line)
    print(result.queries)
