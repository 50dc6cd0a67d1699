"""The judge signs with a smart card in the window (issue 16): the signing dialog offers the card,
shows the court's smart-card module (changeable there), lists the certificates on the card, asks
for the PIN (never stored), and says in words what is wrong when the module or the card is missing.
The dialog's states run everywhere; signing on a card runs on SoftHSM2 and skips without it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.review.settings import module_setting, set_module
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui import core
from desktop.ui.orders_view import OrdersView
from desktop.ui.signing_dialog import SigningDialog
from tests.softhsm import PIN, SoftCard, make_card, requires_softhsm


def _dialog(qtbot, module: str = "", demo: bool = False) -> SigningDialog:
    dlg = SigningDialog(
        orders=3,
        batch=1,
        out_dir=Path("/tmp/orders"),
        key_folder="",
        demo=demo,
        judge_name="Hon. Ana Ruiz",
        module=module,
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def test_card_choice_without_a_module_says_what_to_do(qtbot) -> None:
    dlg = _dialog(qtbot)
    assert dlg.file_choice.isChecked()  # no module set: a file by default
    dlg.card_choice.setChecked(True)
    assert dlg.module_path.isVisible() and dlg.cert_box.isVisible()
    assert not dlg.key_path.isVisible()  # a file's fields hide while the card is chosen
    assert "PIN" in dlg.secret_label.text() and "PIN" in dlg.passphrase.accessibleName()
    assert dlg.passphrase.echoMode() == dlg.passphrase.EchoMode.Password
    assert not dlg.cert_box.isEnabled()
    dlg.passphrase.setText("123456")
    dlg._submit()
    assert dlg.isVisible() and "Insert the card" in dlg.error.text()
    assert dlg.focusWidget() is dlg.module_path  # the field to fill next
    dlg.refresh_certificates()
    assert "No smart-card module is set" in dlg.error.text() and "court IT" in dlg.error.text()
    # The Windows certificate store is said plainly not to be used, and what to ask for instead.
    assert "PKCS#11 module" in dlg.store_note.text()
    # Back to a file: its fields return, the PIN label becomes the passphrase again.
    dlg.file_choice.setChecked(True)
    assert dlg.key_path.isVisible() and not dlg.module_path.isVisible()
    assert "Passphrase" in dlg.secret_label.text()


def test_wrong_module_errors_in_words(qtbot, tmp_path: Path) -> None:
    dlg = _dialog(qtbot, module=str(tmp_path / "gone" / "opensc-pkcs11.dll"))
    assert dlg.card_choice.isChecked()  # the court set a module: cards by default
    assert "does not exist" in dlg.error.text() and dlg.certs == []
    text = tmp_path / "notes.txt"
    text.write_text("not a module")
    dlg.module_path.setText(str(text))
    dlg.refresh_certificates()
    assert "cannot be used as a smart-card (PKCS#11) module" in dlg.error.text()
    dlg.module_path.setText(str(tmp_path))
    dlg.refresh_certificates()
    assert "is a folder" in dlg.error.text()
    assert "Traceback" not in dlg.error.text()


def test_dialog_keyboard_order_and_fit(qtbot) -> None:
    dlg = _dialog(qtbot, demo=True)
    dlg.card_choice.setChecked(True)
    assert dlg.focusWidget() in (dlg.card_choice, dlg.file_choice)
    order = []
    w = dlg.card_choice
    for _ in range(8):
        w = w.nextInFocusChain()
        while not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or not w.isVisible():
            w = w.nextInFocusChain()
        order.append(w)
    # top to bottom: the module, its button, the certificate, its button, the PIN, the folder
    assert order.index(dlg.module_path) < order.index(dlg.cert_box) < order.index(dlg.passphrase)
    assert order.index(dlg.passphrase) < order.index(dlg.out)
    hint = dlg.sizeHint()
    assert hint.width() <= 1366 and hint.height() <= 700  # fits a 1366×768 screen


# --- signing on a card in the window (SoftHSM2) ----------------------------------------------------
@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    d = tmp_path_factory.mktemp("cardsign")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=2500)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    path, _ = core.rule_paths(conn)[0]
    for (cid,) in conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = "
        "r.determination_id WHERE d.rule_path = ? LIMIT 3",
        (path,),
    ):
        core.mark_opened(conn, clerk, cid)
    core.bulk_approve(conn, clerk, path)
    batch = core.submit_batch(conn, clerk)
    for item in core.sample(conn, judge, batch):
        core.mark_opened(conn, judge, item.count_id)
    core.accept_batch(conn, judge, batch)
    conn.close()
    return db_path, batch


@pytest.fixture()
def card(tmp_path_factory: pytest.TempPathFactory) -> SoftCard:
    return make_card(tmp_path_factory.getbasetemp() / "softcard")


def _when_modal(fn, kind: type = SigningDialog) -> None:
    from PySide6.QtCore import QTimer

    def poke() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, kind):
            QTimer.singleShot(20, poke)
            return
        fn(dlg)

    QTimer.singleShot(0, poke)


@requires_softhsm
def test_judge_picks_the_card_certificate_types_the_pin_and_signs(
    accepted, card: SoftCard, tmp_path: Path, qtbot
) -> None:
    src, batch = accepted
    db_path = tmp_path / "demo.sqlite3"
    shutil.copy(src, db_path)
    conn = open_db(db_path).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    v = OrdersView(conn, db_path, judge, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(v)
    v.resize(1366, 700)
    v.show()
    seen: dict = {}

    def wrong_pin(dlg: SigningDialog) -> None:
        dlg.card_choice.setChecked(True)
        dlg.module_path.setText(card.module)  # chosen in the window, saved as the setting
        dlg.refresh_certificates()
        seen["listed"] = [dlg.cert_box.itemText(i) for i in range(dlg.cert_box.count())]
        i = next(i for i, c in enumerate(dlg.certs) if c.label == card.cert_label)
        dlg.cert_box.setCurrentIndex(i)
        dlg.passphrase.setText("000000")
        dlg.out.setText(str(tmp_path / "orders"))
        dlg._submit()

    from PySide6.QtWidgets import QMessageBox

    def read_and_close(box: QMessageBox) -> None:
        seen["message"] = box.text()
        box.accept()

    _when_modal(wrong_pin)
    v.render_dialog()
    _when_modal(read_and_close, QMessageBox)  # "Not done": the card's refusal, in words
    qtbot.waitUntil(lambda: "message" in seen, timeout=120_000)
    assert "not correct" in seen["message"]
    assert any("Hon. Ana Ruiz" in t and card.token in t for t in seen["listed"])
    assert "not correct" in v.last_outcome.get("error", ""), v.last_outcome
    assert "000000" not in v.last_outcome["error"]
    assert module_setting(conn) == card.module  # remembered for the next signing (audited)
    assert conn.execute("SELECT COUNT(*) FROM orders WHERE status = 'signed'").fetchone()[0] == 0

    def right_pin(dlg: SigningDialog) -> None:
        seen["preset"] = (dlg.card_choice.isChecked(), dlg.cert_box.count())
        i = next(i for i, c in enumerate(dlg.certs) if c.label == card.cert_label)
        dlg.cert_box.setCurrentIndex(i)
        dlg.passphrase.setText(PIN)
        dlg.out.setText(str(tmp_path / "orders"))
        dlg._submit()

    _when_modal(right_pin)
    v.render_dialog()
    qtbot.waitUntil(lambda: not v.busy(), timeout=120_000)
    assert seen["preset"] == (True, 2)  # the card is listed at once next time
    assert "rendered" in v.last_outcome, v.last_outcome
    assert v.model.rows and all(r.status == "signed" for r in v.model.rows)
    signers = {r[0] for r in conn.execute("SELECT signer FROM orders WHERE status = 'signed'")}
    assert signers == {"Hon. Ana Ruiz"}
    # The PIN is in no setting, no log entry and not in the window's settings file.
    assert PIN not in (tmp_path / "s.ini").read_text() if (tmp_path / "s.ini").exists() else True
    assert not conn.execute(
        "SELECT 1 FROM audit_log WHERE payload LIKE ?", (f"%{PIN}%",)
    ).fetchone()
    set_module(conn, judge, "")
    conn.close()


# --- the judge accepts a batch in the window, signing the acceptance ----------------------------
@pytest.fixture(scope="module")
def submitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    d = tmp_path_factory.mktemp("acceptsign")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=2500)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    path, _ = core.rule_paths(conn)[0]
    for (cid,) in conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = "
        "r.determination_id WHERE d.rule_path = ? LIMIT 3",
        (path,),
    ):
        core.mark_opened(conn, clerk, cid)
    core.bulk_approve(conn, clerk, path)
    batch = core.submit_batch(conn, clerk)
    for item in core.sample(conn, judge, batch):
        core.mark_opened(conn, judge, item.count_id)
    conn.close()
    return db_path, batch


def _spot(submitted, tmp_path: Path, qtbot):
    from desktop.ui.spotcheck_view import SpotCheckView

    src, batch = submitted
    db_path = tmp_path / "demo.sqlite3"
    shutil.copy(src, db_path)
    conn = open_db(db_path).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    spot = SpotCheckView(conn, judge)
    qtbot.addWidget(spot)
    spot.resize(1366, 700)
    spot.show()
    spot.refresh()
    assert spot.batch_id == batch and spot.accept_batch_button.isEnabled()
    return spot, conn, judge, batch


def _manifest(conn, batch: int) -> tuple[str, str | None, str | None]:
    return conn.execute(
        "SELECT manifest, signature, certificate FROM batch_manifests WHERE batch_id = ?",
        (batch,),
    ).fetchone()


def test_accept_in_the_window_signed_with_a_certificate_file(
    submitted, tmp_path: Path, qtbot
) -> None:
    from desktop.keys import create_demo_key
    from desktop.review.manifest import check_signature

    spot, conn, _, batch = _spot(submitted, tmp_path, qtbot)
    key = tmp_path / "judge.p12"
    create_demo_key("Hon. File Judge", "Judge of the Superior Court", key, "file key pass")
    seen: dict = {}

    def sign(dlg: SigningDialog) -> None:
        seen["title"] = dlg.windowTitle()
        seen["out_hidden"] = not dlg.out.isVisible()
        seen["unsigned_by_default"] = not dlg.sign_check.isChecked()  # no card module set
        dlg.sign_check.setChecked(True)
        dlg.file_choice.setChecked(True)
        dlg.key_path.setText(str(key))
        dlg._submit()
        seen["no_pass"] = dlg.isVisible() and "passphrase" in dlg.error.text()
        dlg.passphrase.setText("file key pass")
        dlg._submit()

    _when_modal(sign)
    spot.accept_batch_button.click()
    assert seen == {
        "title": f"Accept batch {batch}",
        "out_hidden": True,
        "unsigned_by_default": True,
        "no_pass": True,
    }
    data, sig, cert = _manifest(conn, batch)
    assert sig and check_signature(data.encode("utf-8"), sig, cert) == ""
    assert "accepted and ready for orders" in spot.sample_label.text()
    assert "signature" in spot.sample_label.text()
    conn.close()


def test_accept_in_the_window_without_signing(submitted, tmp_path: Path, qtbot) -> None:
    spot, conn, _, batch = _spot(submitted, tmp_path, qtbot)

    def accept(dlg: SigningDialog) -> None:
        assert not dlg.card_choice.isEnabled() and not dlg.passphrase.isVisible()
        dlg._submit()

    _when_modal(accept)
    spot.accept_batch_button.click()
    data, sig, _ = _manifest(conn, batch)
    assert data and sig is None
    assert conn.execute("SELECT status FROM batches WHERE id = ?", (batch,)).fetchone()[0] == (
        "accepted"
    )
    conn.close()


@requires_softhsm
def test_accept_in_the_window_signed_on_the_card(
    submitted, card: SoftCard, tmp_path: Path, qtbot
) -> None:
    from desktop.review.manifest import check_signature

    spot, conn, judge, batch = _spot(submitted, tmp_path, qtbot)
    set_module(conn, judge, card.module)

    def sign(dlg: SigningDialog) -> None:
        assert dlg.sign_check.isChecked() and dlg.card_choice.isChecked()  # a module is set
        i = next(i for i, c in enumerate(dlg.certs) if c.label == card.cert_label)
        dlg.cert_box.setCurrentIndex(i)
        dlg.passphrase.setText(PIN)
        dlg._submit()

    _when_modal(sign)
    spot.accept_batch_button.click()
    data, sig, cert = _manifest(conn, batch)
    assert sig and check_signature(data.encode("utf-8"), sig, cert) == ""
    conn.close()
