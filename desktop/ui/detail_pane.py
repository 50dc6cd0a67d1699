"""The detail pane beside the queue: why the engine proposed this relief (its explanation steps
with statutes), the person's whole record, prosecution responses, the review history, and the
decision buttons of whoever is looking (clerk or judge)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.law.normalize import court_display
from desktop.review.count_detail import CountDetail, RecordCount
from desktop.ui.labels import (
    flag_text,
    relief_badge,
    relief_text,
    rule_path_text,
    split_flags,
    status_badge,
    when,
)


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _badge_html(relief: str | None, target: str | None = None) -> str:
    b = relief_badge(relief, target)
    return (
        f'<span style="background:{b.bg}; color:{b.fg}; font-weight:600;">'
        f"&nbsp;{_e(b.text)}&nbsp;</span>"
    )


def _fact(value: Any) -> str:
    """A fact as words: lists and records of the engine's facts without Python's brackets."""
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_fact(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_fact(v) for v in value) or "none"
    return "" if value is None else str(value)


def _sentence_text(parts: list[dict[str, Any]]) -> str:
    out = []
    for p in parts:
        if isinstance(p, dict) and p.get("unit") == "?":  # kept unread (row_warnings)
            out.append(f"{p.get('kind') or ''} (could not be read)".strip())
        elif isinstance(p, dict):
            out.append(" ".join(str(p.get(k) or "") for k in ("kind", "length", "unit")).strip())
    return "; ".join(o for o in out if o)


def count_words(d: CountDetail) -> str:
    """'count 3 of case FSB0412873, ALVARADO-WHITFIELD, JOSEPH': how dialogs name a count."""
    c, s = d.count, d.subject
    return (
        f"count {c.get('count_no') or '?'} of case {c.get('case_number') or '(no number)'}, "
        f"{s.get('name') or '(no name)'}"
    )


def _record_row(c: RecordCount, as_of: str | None) -> str:
    style = ""
    marks = []
    if c.is_current:
        style = "background:#e3ecf8;"
        marks.append("this count")
    if c.disqualifying:
        style = "background:#f8e3e3;"
        marks.append("<b>disqualifying prior</b>")
    status = ""
    if c.convicted and c.sentence_end:
        serving = as_of is not None and c.sentence_end > as_of
        status = f"{'serving until' if serving else 'completed'} {_e(c.sentence_end)}"
    elif c.convicted:
        status = "sentence end unknown"
    relief = _badge_html(c.relief, c.resentence_target) if c.relief else ""
    section = f"{_e(c.section)} {_e(c.code)}".strip() or _e(c.offense_text)
    sentence = _e(_sentence_text(c.sentence))
    return (
        f'<tr style="{style}"><td nowrap>{_e(c.case_number)}</td><td>{_e(c.count_no)}</td>'
        f"<td nowrap>{section}</td><td>{_e(c.level)}</td><td>{_e(c.disposition)}</td>"
        f"<td nowrap>{_e(c.conviction_date)}</td>"
        f"<td>{sentence}{'<br>' if sentence and status else ''}{status}</td>"
        f"<td>{relief} {' · '.join(marks)}</td></tr>"
    )


def detail_html(d: CountDetail) -> str:
    s, c, det, rv = d.subject, d.count, d.determination, d.review
    as_of = d.explanation.get("as_of")
    policy = d.explanation.get("policy") or {}
    parts: list[str] = []
    if s.get("deceased"):
        parts.append(
            "<p style='background:#3a3a3a; color:#ffffff; padding:4px'><b>Deceased.</b> "
            "The DOJ record shows this person has died (a DECEASED event); the county's "
            "policy may grant more relief for that.</p>"
        )
    akas = s.get("akas")
    aka_text = ""
    if akas and akas != "[]":
        try:
            aka_list = json.loads(akas)
        except json.JSONDecodeError:
            aka_list = [akas]
        aka_text = f" <span style='color:#404040'>AKA {_e('; '.join(map(str, aka_list)))}</span>"
    parts.append(f"<h2 style='margin:0'>{_e(s.get('name'))}{aka_text}</h2>")
    extras = []
    if s.get("deceased"):
        extras.append("<b>deceased</b>")
    if s.get("registered_290"):
        extras.append("<b>PC 290 registration on record</b>")
    parts.append(
        f"<p>DOB {_e(s.get('dob'))} · CII {_e(s.get('cii'))}"
        f"{' · ' + ' · '.join(extras) if extras else ''}</p>"
    )
    parts.append(
        f"<p><b>Case {_e(c.get('case_number'))}</b>, count {_e(c.get('count_no'))}: "
        f"{_e(c.get('section'))} {_e(c.get('code'))} ({_e(c.get('level'))}), convicted "
        f"{_e(c.get('conviction_date'))}, {_e(c.get('county'))}"
        f"{', court ' + _e(court_display(c.get('court'))) if c.get('court') else ''}<br>"
        f"<span style='color:#404040'>{_e(c.get('offense_text'))}</span></p>"
    )
    status_words = d.life.text if d.life is not None else status_badge(rv["status"]).text
    parts.append(
        f"<p>Proposed relief: {_badge_html(det['relief'], det['resentence_target'])}"
        f" &nbsp; Status: <b>{_e(status_words)}</b>"
    )
    if rv.get("decided_by"):
        parts.append(f" by {_e(rv['decided_by'])}, {_e(when(rv.get('decided_at')))}")
    if rv.get("reason"):
        parts.append(f"<br>Reason: {_e(rv['reason'])}")
    parts.append("</p>")
    flags = split_flags(det.get("flags"))
    if flags:
        parts.append("<p>Flags: " + ", ".join(f"<b>{_e(flag_text(f))}</b>" for f in flags) + "</p>")
    parts.append(
        f"<p style='color:#404040'>Rule path: {_e(rule_path_text(det.get('rule_path')))}</p>"
    )

    if rv.get("rereview"):
        prev = rv.get("previous_decision")
        if isinstance(prev, dict):
            prev_text = ", ".join(
                f"{_e(k)}: {_e(v)}" for k, v in prev.items() if v not in (None, "")
            )
        else:
            prev_text = _e(prev)
        parts.append(
            "<p style='background:#fbf0d0; padding:4px'><b>Re-review.</b> A new evaluation "
            f"changed this count's determination. Previous decision: {prev_text}</p>"
        )
    for note in d.judge_notes:
        what = str(note["judge_status"] or "").replace("_", " ")
        parts.append(
            f"<p style='background:#f8e3e3; padding:4px'><b>Judge's note</b> (batch "
            f"{_e(note['batch_id'])}, {_e(what)}): {_e(note['judge_note'])}</p>"
        )

    parts.append("<h3>Why</h3><ol>")
    for step in d.explanation.get("steps", []):
        statute = step.get("statute")
        stat = (
            f" <span style='color:#1f3a68; font-weight:600'>[{_e(statute)}]</span>"
            if statute
            else ""
        )
        facts = step.get("facts") or {}
        fact_text = ""
        if facts:
            fact_text = (
                "<br><span style='color:#404040; font-size:small'>"
                + "; ".join(f"{_e(k.replace('_', ' '))}: {_e(_fact(v))}" for k, v in facts.items())
                + "</span>"
            )
        parts.append(f"<li>{_e(step.get('text'))}{stat}{fact_text}</li>")
    parts.append("</ol>")
    if policy or as_of:
        parts.append(
            f"<p style='color:#404040'>Policy {_e(policy.get('name'))} "
            f"version {_e(policy.get('version'))}, as of {_e(as_of)}, engine "
            f"{_e(d.explanation.get('engine_version'))}</p>"
        )

    parts.append("<h3>Prosecution response</h3>")
    if d.responses:
        parts.append("<ul>")
        for r in d.responses:
            which = f"count {r['count_no']}" if r.get("count_no") else "whole case"
            ground = f", ground: {_e(r['ground'])}" if r.get("ground") else ""
            parts.append(
                f"<li>Case {_e(r['case_number'])} ({which}): "
                f"<b>{_e(str(r['response']).replace('_', ' '))}</b>{ground}"
                f"{', ' + _e(r['response_date']) if r.get('response_date') else ''}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p>None on file.</p>")

    parts.append(f"<h3>Whole record ({len(d.record)} counts)</h3>")
    parts.append(
        "<table border='1' cellspacing='0' cellpadding='2' width='100%' "
        "style='border-color:#9aa0a8; font-size:9pt'><tr style='background:#e6e9ee'>"
        "<th>Case</th><th>Cnt</th><th>Section</th><th>Lvl</th><th>Disposition</th>"
        "<th>Date</th><th>Sentence</th><th>Relief</th></tr>"
    )
    for rc in d.record:
        parts.append(_record_row(rc, as_of))
    parts.append("</table>")
    return "".join(parts)


class DetailPane(QWidget):
    """Shows one count; emits `action(name)` when a decision button is pressed."""

    action = Signal(str)
    person_report = Signal(int)  # the subject id of the count shown (issue 19 §4)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Count detail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Explanation and record")
        self.browser.setOpenLinks(False)
        layout.addWidget(self.browser, 1)
        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("What can be decided on this count")
        self.notice.hide()
        layout.addWidget(self.notice)
        # Two buttons a row: the pane stays narrow enough that the list beside it shows names,
        # reliefs, statuses and dates whole on a 1366-pixel screen.
        self.report_button = QPushButton("What happened to this &record…")
        self.report_button.setAccessibleName(
            "Every count of this person, its ruling, its order and when DOJ was told"
        )
        self.report_button.clicked.connect(lambda _=False: self._ask_report())
        layout.addWidget(self.report_button)
        self.button_row = QGridLayout()
        self.button_row.setHorizontalSpacing(6)
        layout.addLayout(self.button_row)
        self.buttons: dict[str, QPushButton] = {}
        self.detail: CountDetail | None = None
        self.actions_enabled = True
        self.action_states: dict[str, bool] = {}
        self.action_reasons: dict[str, str | None] = {}
        self.show_detail(None)

    def _ask_report(self) -> None:
        if self.detail is not None:
            self.person_report.emit(int(self.detail.subject["id"]))

    def set_actions(self, actions: list[tuple[str, str, str]]) -> None:
        """actions: (name, label with its key, object name for the style)."""
        for b in self.buttons.values():
            b.deleteLater()
        self.buttons.clear()
        while self.button_row.count():
            self.button_row.takeAt(0)
        per_row = 2
        for name, label, obj in actions:
            b = QPushButton(label)
            b.setObjectName(obj)
            b.setAccessibleName(label.replace("&", ""))
            b.clicked.connect(lambda _=False, n=name: self.action.emit(n))
            n = len(self.buttons)
            self.button_row.addWidget(b, n // per_row, n % per_row)
            self.buttons[name] = b
        self._update_enabled()

    def show_detail(self, detail: CountDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.browser.setHtml(
                "<p style='color:#404040'>Select a count to see why the engine "
                "proposed its relief and the person's whole record.</p>"
            )
        else:
            self.browser.setHtml(detail_html(detail))
        self._update_enabled()

    def set_enabled_actions(self, enabled: bool) -> None:
        """Off where nothing may be decided (an accepted batch's sample)."""
        self.actions_enabled = enabled
        self._update_enabled()

    def set_action_states(
        self, states: dict[str, bool], reasons: dict[str, str | None] | None = None
    ) -> None:
        """Each decision button on or off; a button that is off says why in its tooltip, and
        when every decision is off the reason is shown above the buttons."""
        self.action_states = dict(states)
        self.action_reasons = dict(reasons or {})
        self._update_enabled()

    def _update_enabled(self) -> None:
        self.report_button.setEnabled(self.detail is not None)
        notes = []
        if self.detail is not None and self.detail.subject.get("deceased"):
            notes.append("This person is recorded as deceased.")
        for name, b in self.buttons.items():
            on = (
                self.detail is not None
                and self.actions_enabled
                and self.action_states.get(name, True)
            )
            b.setEnabled(on)
            b.setToolTip("" if on else (self.action_reasons.get(name) or ""))
        if (
            self.detail is not None
            and self.buttons
            and not any(b.isEnabled() for b in self.buttons.values())
        ):
            reason = next((r for r in self.action_reasons.values() if r), None)
            if reason:
                notes.append(reason)
        self.notice.setText(" ".join(notes))
        self.notice.setVisible(bool(notes))

    def relief_summary(self) -> str:
        if not self.detail:
            return ""
        return relief_text(
            self.detail.determination["relief"], self.detail.determination["resentence_target"]
        )
