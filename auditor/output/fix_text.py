"""``auditor fix``'s summary in the reviewer's language (:mod:`auditor.i18n`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import _, listing
from .gate import DocumentReport, display_path, status_word, verdict_word

if TYPE_CHECKING:
    from ..fix import FixReport


def _state(report: DocumentReport | None) -> str:
    if report is None:
        return _("missing")
    identity = report.identity
    if identity is not None and report.verdict and report.verdict != report.status:
        return _("{status}, {verdict}, risk {risk:.0%}, anonymity set {size}").format(
            status=status_word(report.status), verdict=verdict_word(report.verdict), risk=identity.risk,
            size=identity.anonymity_set)
    return status_word(report.status)


def format_fix_text(report: "FixReport") -> str:
    changed = [d for d in report.documents if d.changed]
    out = display_path(str(report.out))
    lines = [
        _("Masked {chars} character(s) in {changed} of {documents} document(s) over {rounds} round(s); "
          "copies in {out}").format(chars=sum(d.chars_masked for d in changed), changed=len(changed),
                                    documents=len(report.documents), rounds=report.rounds, out=out)
    ]
    for fix in report.documents:
        if fix.cleaned:
            shown = listing(fix.cleaned[:5]) + (_(" and {n} more").format(n=len(fix.cleaned) - 5)
                                                if len(fix.cleaned) > 5 else "")
            lines.append("  " + _("{target}: removed from the file: {shown}").format(target=fix.target, shown=shown))
        if fix.chars_masked:
            share = fix.chars_masked / max(1, fix.chars)
            masked = listing(f"{text} ×{n}" for text, n in fix.masked.most_common())
            lines.append("  " + _(
                "{target}: {before} -> {after}; masked {occurrences} occurrence(s) of {clues} clue(s), {masked} of "
                "{chars} characters ({share:.2%}): {list}").format(
                target=fix.target, before=_state(fix.before), after=_state(fix.after),
                occurrences=sum(fix.masked.values()), clues=len(fix.masked), masked=fix.chars_masked,
                chars=fix.chars, share=share, list=masked))
        elif not fix.cleaned:
            lines.append("  " + _("{target}: unchanged ({state})").format(target=fix.target, state=_state(fix.after)))
        if fix.after is not None and fix.after.failed and fix.stuck:
            lines.append("    " + _("not fixed: {why}").format(why=fix.stuck))
    for doc, why in report.skipped:
        if doc in report.unfixable:
            lines.append("  " + _("{doc}: not copied and fails the policy ({why})").format(doc=doc, why=why))
        else:
            lines.append("  " + _("{doc}: not copied ({why})").format(doc=doc, why=why))
    failed = report.after.failed_documents
    if failed:
        result = _("{n} document(s) still fail the policy").format(n=len(failed))
    else:
        # the folder's manifest (a dotfile) is listed by the re-audit, not counted
        result = _("all {n} document(s) pass the policy").format(n=sum(1 for d in report.after.documents if d.readable))
    unfixable = (_("; {n} input(s) could not be fixed and fail").format(n=len(report.unfixable))
                 if report.unfixable else "")
    lines.append(_("Re-audit of {out}: {result}{unfixable} ({policy}: {rules})").format(
        out=out, result=result, unfixable=unfixable, policy=report.policy.label(), rules=report.policy.describe()))
    for finding in report.after.findings:
        if finding.fails:
            lines.append("  " + finding.line())
    return "\n".join(lines) + "\n"
