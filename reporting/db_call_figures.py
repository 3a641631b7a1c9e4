"""Each call's paid, used, carried over and repaid, kept by the database (issue 16;
``reporting.models.figures.CallFigures``, migration reporting 0014): every insert, change or delete of
a decision, annual report, carry-over or repayment claim adds its difference to its call's row in the
same transaction, so that the statistics overview reads one row per call instead of four grouped sums
over every grant and report. On PostgreSQL the migration installs ``CALL_FIGURES_POSTGRES``; on
SQLite ``reporting.db_triggers`` puts ``CALL_FIGURES_SQLITE`` back after every ``migrate``.
"""

from __future__ import annotations

# --- Each call's figures (reporting.models.figures) ---------------------------------------------------
#
# paid: Decision.paid of the call's grants in force (kind grant, approved, not reversed);
# used: for each approved annual report, min(paid + carried_in, max(0, spent_total - other_income)),
#       its decision's paid (reporting.statistics.used_expression);
# carried over: CarryOver.amount, in the call of the report it carries from;
# repaid: RepaymentClaim.repaid_amount.
# A change adds the new contribution and takes away the old, once, and writes nothing when the
# figures stay the same (a save of a draft report or of a decision's texts locks no call's row).

CALL_FIGURES_POSTGRES = """
CREATE OR REPLACE FUNCTION reporting_call_figures_add(
    figures_call bigint, add_paid numeric, add_used numeric, add_carried numeric, add_repaid numeric
) RETURNS void AS $$
BEGIN
    IF figures_call IS NOT NULL AND (add_paid <> 0 OR add_used <> 0 OR add_carried <> 0 OR add_repaid <> 0) THEN
        UPDATE reporting_callfigures
           SET paid = paid + add_paid, used = used + add_used,
               carried_over = carried_over + add_carried, repaid = repaid + add_repaid
         WHERE call_id = figures_call;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reporting_call_of_case(bigint) RETURNS bigint AS $$
    SELECT call_id FROM grants_case WHERE id = $1
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION reporting_paid_of_decision(bigint) RETURNS numeric AS $$
    SELECT COALESCE((SELECT paid FROM grants_decision WHERE id = $1), 0)
$$ LANGUAGE sql STABLE;

-- What an approved annual report used of IMDi's money (nothing, if it is not approved).
CREATE OR REPLACE FUNCTION reporting_report_used(reporting_annualreport, numeric) RETURNS numeric AS $$
    SELECT CASE WHEN ($1).state = 'approved'
                THEN LEAST($2 + ($1).carried_in, GREATEST(0, ($1).spent_total - ($1).other_income)) ELSE 0 END
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION reporting_call_figures_decision() RETURNS trigger AS $$
DECLARE
    old_paid numeric := 0;
    new_paid numeric := 0;
    report reporting_annualreport;
BEGIN
    IF NEW.kind = 'grant' AND NEW.state = 'approved' AND NEW.reversed_at IS NULL THEN
        new_paid := NEW.paid;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.kind = 'grant' AND OLD.state = 'approved' AND OLD.reversed_at IS NULL THEN
            old_paid := OLD.paid;
        END IF;
        IF OLD.case_id <> NEW.case_id THEN
            PERFORM reporting_call_figures_add(reporting_call_of_case(OLD.case_id), -old_paid, 0, 0, 0);
            old_paid := 0;
        END IF;
    END IF;
    IF new_paid <> old_paid THEN
        PERFORM reporting_call_figures_add(reporting_call_of_case(NEW.case_id), new_paid - old_paid, 0, 0, 0);
    END IF;
    -- What the decision's approved report used depends on what is paid.
    IF TG_OP = 'UPDATE' THEN
        IF NEW.paid <> OLD.paid THEN
            FOR report IN SELECT * FROM reporting_annualreport WHERE decision_id = NEW.id AND state = 'approved' LOOP
                PERFORM reporting_call_figures_add(
                    reporting_call_of_case(report.case_id), 0,
                    reporting_report_used(report, NEW.paid) - reporting_report_used(report, OLD.paid), 0, 0
                );
            END LOOP;
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A decision is never deleted (grants_decision_frozen).
DROP TRIGGER IF EXISTS reporting_call_figures_decision ON grants_decision;
CREATE TRIGGER reporting_call_figures_decision
    AFTER INSERT OR UPDATE OF paid, kind, state, reversed_at, case_id ON grants_decision
    FOR EACH ROW EXECUTE FUNCTION reporting_call_figures_decision();

CREATE OR REPLACE FUNCTION reporting_call_figures_report() RETURNS trigger AS $$
DECLARE
    old_used numeric := 0;
    new_used numeric := 0;
    old_call bigint;
    new_call bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.state = 'approved' THEN
            old_used := reporting_report_used(OLD, reporting_paid_of_decision(OLD.decision_id));
            old_call := reporting_call_of_case(OLD.case_id);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.state = 'approved' THEN
            new_used := reporting_report_used(NEW, reporting_paid_of_decision(NEW.decision_id));
            new_call := reporting_call_of_case(NEW.case_id);
        END IF;
    END IF;
    IF old_call = new_call THEN
        PERFORM reporting_call_figures_add(new_call, 0, new_used - old_used, 0, 0);
    ELSE
        PERFORM reporting_call_figures_add(old_call, 0, -old_used, 0, 0);
        PERFORM reporting_call_figures_add(new_call, 0, new_used, 0, 0);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS reporting_call_figures_report ON reporting_annualreport;
CREATE TRIGGER reporting_call_figures_report
    AFTER INSERT OR DELETE OR UPDATE OF state, carried_in, spent_total, other_income, decision_id, case_id
    ON reporting_annualreport
    FOR EACH ROW EXECUTE FUNCTION reporting_call_figures_report();

CREATE OR REPLACE FUNCTION reporting_call_figures_carry_over() RETURNS trigger AS $$
DECLARE
    old_call bigint;
    new_call bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_call := reporting_call_of_case((SELECT case_id FROM reporting_annualreport WHERE id = OLD.report_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_call := reporting_call_of_case((SELECT case_id FROM reporting_annualreport WHERE id = NEW.report_id));
    END IF;
    IF old_call = new_call THEN
        PERFORM reporting_call_figures_add(new_call, 0, 0, NEW.amount - OLD.amount, 0);
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM reporting_call_figures_add(old_call, 0, 0, -OLD.amount, 0);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM reporting_call_figures_add(new_call, 0, 0, NEW.amount, 0);
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS reporting_call_figures_carry_over ON reporting_carryover;
CREATE TRIGGER reporting_call_figures_carry_over
    AFTER INSERT OR DELETE OR UPDATE OF amount, report_id ON reporting_carryover
    FOR EACH ROW EXECUTE FUNCTION reporting_call_figures_carry_over();

CREATE OR REPLACE FUNCTION reporting_call_figures_claim() RETURNS trigger AS $$
DECLARE
    old_call bigint;
    new_call bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_call := reporting_call_of_case(OLD.case_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_call := reporting_call_of_case(NEW.case_id);
    END IF;
    IF old_call = new_call THEN
        PERFORM reporting_call_figures_add(new_call, 0, 0, 0, NEW.repaid_amount - OLD.repaid_amount);
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM reporting_call_figures_add(old_call, 0, 0, 0, -OLD.repaid_amount);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM reporting_call_figures_add(new_call, 0, 0, 0, NEW.repaid_amount);
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS reporting_call_figures_claim ON reporting_repaymentclaim;
CREATE TRIGGER reporting_call_figures_claim
    AFTER INSERT OR DELETE OR UPDATE OF repaid_amount, case_id ON reporting_repaymentclaim
    FOR EACH ROW EXECUTE FUNCTION reporting_call_figures_claim();

-- Every call has its row, from the start.
CREATE OR REPLACE FUNCTION reporting_call_figures_call() RETURNS trigger AS $$
BEGIN
    INSERT INTO reporting_callfigures (call_id, paid, used, carried_over, repaid) VALUES (NEW.id, 0, 0, 0, 0)
        ON CONFLICT (call_id) DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS reporting_call_figures_call ON grants_call;
CREATE TRIGGER reporting_call_figures_call
    AFTER INSERT ON grants_call
    FOR EACH ROW EXECUTE FUNCTION reporting_call_figures_call();

-- Only the triggers above change the figures.
CREATE OR REPLACE FUNCTION reporting_callfigures_by_trigger() RETURNS trigger AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'reporting_callfigures: the figures are sums the database keeps; only its triggers change them'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS reporting_callfigures_by_trigger ON reporting_callfigures;
CREATE TRIGGER reporting_callfigures_by_trigger
    BEFORE UPDATE ON reporting_callfigures
    FOR EACH ROW EXECUTE FUNCTION reporting_callfigures_by_trigger();
"""

CALL_FIGURES_POSTGRES_UNINSTALL = """
DROP TRIGGER IF EXISTS reporting_callfigures_by_trigger ON reporting_callfigures;
DROP FUNCTION IF EXISTS reporting_callfigures_by_trigger();
DROP TRIGGER IF EXISTS reporting_call_figures_call ON grants_call;
DROP FUNCTION IF EXISTS reporting_call_figures_call();
DROP TRIGGER IF EXISTS reporting_call_figures_claim ON reporting_repaymentclaim;
DROP FUNCTION IF EXISTS reporting_call_figures_claim();
DROP TRIGGER IF EXISTS reporting_call_figures_carry_over ON reporting_carryover;
DROP FUNCTION IF EXISTS reporting_call_figures_carry_over();
DROP TRIGGER IF EXISTS reporting_call_figures_report ON reporting_annualreport;
DROP FUNCTION IF EXISTS reporting_call_figures_report();
DROP TRIGGER IF EXISTS reporting_call_figures_decision ON grants_decision;
DROP FUNCTION IF EXISTS reporting_call_figures_decision();
DROP FUNCTION IF EXISTS reporting_report_used(reporting_annualreport, numeric);
DROP FUNCTION IF EXISTS reporting_paid_of_decision(bigint);
DROP FUNCTION IF EXISTS reporting_call_of_case(bigint);
DROP FUNCTION IF EXISTS reporting_call_figures_add(bigint, numeric, numeric, numeric, numeric);
"""

# SQLite has no functions: the same sums written out, one statement per side of a change.
_GRANT_IN_FORCE = "{row}.kind = 'grant' AND {row}.state = 'approved' AND {row}.reversed_at IS NULL"
_CALL_OF_CASE = "(SELECT call_id FROM grants_case WHERE id = {case})"
_USED = (
    "MIN(COALESCE((SELECT paid FROM grants_decision WHERE id = {row}.decision_id), 0) + {row}.carried_in, "
    "MAX(0, {row}.spent_total - {row}.other_income))"
)
_REPORT_CALL = _CALL_OF_CASE.format(case="(SELECT case_id FROM reporting_annualreport WHERE id = {row}.report_id)")


def _add(column: str, amount: str, call: str, when: str = "") -> str:
    condition = f" AND {when}" if when else ""
    return f"UPDATE reporting_callfigures SET {column} = {column} + ({amount}) WHERE call_id = {call}{condition};"  # noqa: S608 -- our own SQL


def _sqlite_trigger(name: str, event: str, table: str, *statements: str) -> str:
    body = "\n    ".join(statements)
    return f"CREATE TRIGGER IF NOT EXISTS {name} {event} ON {table} BEGIN\n    {body}\nEND"


def _used_follows_paid() -> str:
    """What the decision's approved report used follows what is paid (in the decision's trigger)."""
    used_by_paid = (
        "SELECT COALESCE(SUM(MIN({paid} + r.carried_in, MAX(0, r.spent_total - r.other_income))), 0) "
        "FROM reporting_annualreport r WHERE r.decision_id = NEW.id AND r.state = 'approved' "
        "AND (SELECT call_id FROM grants_case WHERE id = r.case_id) = reporting_callfigures.call_id"
    )
    return (
        f"UPDATE reporting_callfigures SET used = used + ({used_by_paid.format(paid='NEW.paid')}) "  # noqa: S608
        f"- ({used_by_paid.format(paid='OLD.paid')}) WHERE NEW.paid <> OLD.paid AND call_id IN "
        "(SELECT c.call_id FROM reporting_annualreport r JOIN grants_case c ON c.id = r.case_id "
        "WHERE r.decision_id = NEW.id AND r.state = 'approved');"
    )


def _sqlite_statements() -> list[str]:
    old_case, new_case = _CALL_OF_CASE.format(case="OLD.case_id"), _CALL_OF_CASE.format(case="NEW.case_id")
    used_follows_paid = _used_follows_paid()
    decision_old = _add("paid", "-OLD.paid", old_case, _GRANT_IN_FORCE.format(row="OLD"))
    decision_new = _add("paid", "NEW.paid", new_case, _GRANT_IN_FORCE.format(row="NEW"))
    report_old = _add("used", "-" + _USED.format(row="OLD"), old_case, "OLD.state = 'approved'")
    report_new = _add("used", _USED.format(row="NEW"), new_case, "NEW.state = 'approved'")
    carry_old = _add("carried_over", "-OLD.amount", _REPORT_CALL.format(row="OLD"))
    carry_new = _add("carried_over", "NEW.amount", _REPORT_CALL.format(row="NEW"))
    claim_old = _add("repaid", "-OLD.repaid_amount", old_case)
    claim_new = _add("repaid", "NEW.repaid_amount", new_case)
    return [
        _sqlite_trigger("reporting_call_figures_decision_insert", "AFTER INSERT", "grants_decision", decision_new),
        _sqlite_trigger(
            "reporting_call_figures_decision_update",
            "AFTER UPDATE OF paid, kind, state, reversed_at, case_id",
            "grants_decision",
            decision_old,
            decision_new,
            used_follows_paid,
        ),
        _sqlite_trigger("reporting_call_figures_decision_delete", "AFTER DELETE", "grants_decision", decision_old),
        _sqlite_trigger("reporting_call_figures_report_insert", "AFTER INSERT", "reporting_annualreport", report_new),
        _sqlite_trigger(
            "reporting_call_figures_report_update",
            "AFTER UPDATE OF state, carried_in, spent_total, other_income, decision_id, case_id",
            "reporting_annualreport",
            report_old,
            report_new,
        ),
        _sqlite_trigger("reporting_call_figures_report_delete", "AFTER DELETE", "reporting_annualreport", report_old),
        _sqlite_trigger("reporting_call_figures_carry_over_insert", "AFTER INSERT", "reporting_carryover", carry_new),
        _sqlite_trigger(
            "reporting_call_figures_carry_over_update",
            "AFTER UPDATE OF amount, report_id",
            "reporting_carryover",
            carry_old,
            carry_new,
        ),
        _sqlite_trigger("reporting_call_figures_carry_over_delete", "AFTER DELETE", "reporting_carryover", carry_old),
        _sqlite_trigger("reporting_call_figures_claim_insert", "AFTER INSERT", "reporting_repaymentclaim", claim_new),
        _sqlite_trigger(
            "reporting_call_figures_claim_update",
            "AFTER UPDATE OF repaid_amount, case_id",
            "reporting_repaymentclaim",
            claim_old,
            claim_new,
        ),
        _sqlite_trigger("reporting_call_figures_claim_delete", "AFTER DELETE", "reporting_repaymentclaim", claim_old),
        _sqlite_trigger(
            "reporting_call_figures_call",
            "AFTER INSERT",
            "grants_call",
            "INSERT OR IGNORE INTO reporting_callfigures (call_id, paid, used, carried_over, repaid) "
            "VALUES (NEW.id, 0, 0, 0, 0);",
        ),
    ]


CALL_FIGURES_SQLITE = _sqlite_statements()
CALL_FIGURES_SQLITE_UNINSTALL = ["DROP TRIGGER IF EXISTS " + statement.split()[5] for statement in CALL_FIGURES_SQLITE]

# Every call's figures summed from the rows: for the migration that brings the table in, and for a
# check that the kept figures are right (tests/reporting/test_call_figures.py).
CALL_FIGURES_SUMMED = """
SELECT k.id,
    COALESCE((SELECT SUM(d.paid) FROM grants_decision d JOIN grants_case c ON c.id = d.case_id
              WHERE c.call_id = k.id AND d.kind = 'grant' AND d.state = 'approved' AND d.reversed_at IS NULL), 0),
    COALESCE((SELECT SUM(CASE WHEN d.paid + r.carried_in < r.spent_total - r.other_income
                              THEN d.paid + r.carried_in
                              WHEN r.spent_total - r.other_income > 0 THEN r.spent_total - r.other_income
                              ELSE 0 END)
              FROM reporting_annualreport r JOIN grants_decision d ON d.id = r.decision_id
              JOIN grants_case c ON c.id = r.case_id WHERE c.call_id = k.id AND r.state = 'approved'), 0),
    COALESCE((SELECT SUM(o.amount) FROM reporting_carryover o JOIN reporting_annualreport r ON r.id = o.report_id
              JOIN grants_case c ON c.id = r.case_id WHERE c.call_id = k.id), 0),
    COALESCE((SELECT SUM(m.repaid_amount) FROM reporting_repaymentclaim m JOIN grants_case c ON c.id = m.case_id
              WHERE c.call_id = k.id), 0)
FROM grants_call k
"""
