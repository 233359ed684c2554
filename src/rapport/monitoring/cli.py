"""``rapport signals``, ``rapport recompute-alerts`` and ``rapport calibrate``.

* ``signals --from-csv FILE`` is the researcher's tool: the pure library on a CSV file, no
  database, no settings, no Django.
* ``signals --client ID`` gives the same output from the database. The command line is an
  operator's tool: it reads any client, and writes an audit row with the actor "cli".
* ``recompute-alerts`` brings every open episode's alerts up to date (run it from cron).
* ``calibrate`` re-estimates the expected-response bands from the clinic's own history and
  stores them for the clinic (clear message when there are not enough episodes, or when no
  intake band had enough of them to be re-estimated: then nothing is stored). It also
  recalibrates the dropout model on the clinic's ended episodes when there are enough (200,
  and 20 of each outcome), and otherwise says so and keeps the model in use.

Bad input prints one clear line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapport.cli import CommandError, register

if TYPE_CHECKING:
    from rapport.monitoring.calibration import CalibrationResult
    from rapport.monitoring.dropout_calibration import DropoutHistory
    from rapport.monitoring.signals.dropout import DropoutModel

__all__ = ["add_commands"]

#: Ids are 64-bit integers in every database Rapport runs on: a larger number names no
#: record (and filtering a foreign key by it raises OverflowError in the database driver).
_MAX_ID = 2**63 - 1


def _exists(model, pk: int) -> bool:
    return 0 < pk <= _MAX_ID and model.objects.filter(pk=pk).exists()


def _at_least_one(text: str) -> int:
    """argparse type for counts that must be 1 or more."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _today(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today must be a date like 2025-06-30, not {text!r}") from None


def _print_human(results: list[dict[str, Any]], model: DropoutModel) -> None:
    """Each client's signals, then the dropout estimate as the pages give it: a percentage
    only from a model recalibrated on the clinic's ended episodes; otherwise the band in
    words (signals.dropout._signal), as the uncalibrated number ranks clients but is no
    chance."""
    from rapport.monitoring.signals.dropout import _average, risk_band

    calibrated = model.recalibrated_on is not None
    for entry in results:
        signals = entry["signals"]
        risk = entry.get("dropout_risk") or {}
        print(f"Client {entry['client']}: {len(signals)} signal(s)")
        for signal in signals:
            print(
                f"  session {signal['session']:>3}  {signal['kind']} ({signal['severity']}): "
                f"{signal['explanation']}"
            )
        if "probability" not in risk:
            continue
        band = risk_band(risk["probability"], model)
        if calibrated:
            basis = f" ({risk['source']})" if risk.get("source") else ""
            print(f"  estimated dropout risk: {band}, about {risk['probability']:.0%}{basis}")
        else:
            print(
                f"  estimated dropout risk: {band} ({_average(model)}); no percentage: the "
                "model is not calibrated on a clinic's own endings"
            )


# --- rapport signals ---------------------------------------------------------------------


def _signals_from_csv(path: str, today: dt.date | None) -> list[dict[str, Any]]:
    # Pure path: nothing here may import Django (researchers run it without a database).
    from rapport.monitoring.csvio import signals_from_csv
    from rapport.monitoring.signals.errors import CsvInputError, MonitoringError

    source = Path(path)
    if source.is_dir():
        raise CommandError(f"{path}: this is a folder; --from-csv needs a CSV file")
    if not source.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        return signals_from_csv(source, today=today)
    except CsvInputError as error:
        if len(error.problems) == 1:  # one problem: one line
            row, problem = error.problems[0]
            raise CommandError(f"{path}: row {row}: {problem}") from None
        raise CommandError(f"{path}: {error}") from None
    except MonitoringError as error:
        raise CommandError(f"{path}: {error}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as error:  # permission denied, a file that vanished, a read error
        raise CommandError(f"{path}: cannot read the file: {error.strerror or error}") from None


def _signals_from_database(
    client_id: int, today: dt.date | None
) -> tuple[list[dict[str, Any]], DropoutModel]:
    """The client's signals, and the dropout model they were estimated with (the clinic's
    recalibrated one, or the published one)."""
    from rapport.cli import _check_database, _setup_django

    _setup_django()
    _check_database()
    from django.utils import timezone

    from rapport.audit.models import Action
    from rapport.clinic.models import Client, Phase
    from rapport.monitoring.csvio import signals_for_series
    from rapport.monitoring.dropout_calibration import clinic_dropout_model
    from rapport.monitoring.series import detector_config, load_episode_series
    from rapport.monitoring.services import audit_cli
    from rapport.monitoring.trajectories import clinic_trajectories

    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        raise CommandError(f"no client with id {client_id}")
    episodes = client.episodes.select_related("client", "client__therapist")
    episode = (
        episodes.exclude(phase=Phase.CLOSED).order_by("-started_on", "-pk").first()
        or episodes.order_by("-started_on", "-pk").first()
    )
    if episode is None:
        raise CommandError(f"client {client_id} has no episode of care")
    now = timezone.now()
    if today is not None:
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 59)))
    audit_cli(action=Action.VIEW, target="signals-cli", client_id=client.pk)
    data = load_episode_series(episode, now=now)
    config = detector_config(
        data.series.instruments,
        clinic_trajectories(client.clinic_id),
        data.checkin_instrument,
        clinic_dropout_model(client.clinic_id),
    )
    return [signals_for_series(data.series, config)], config.dropout


def cmd_signals(args: argparse.Namespace) -> None:
    today = _today(args.today)
    if args.from_csv:
        from rapport.monitoring.signals.dropout import DEFAULT_DROPOUT_MODEL

        # A file has no clinic: its estimates come from the published model.
        results, model = _signals_from_csv(args.from_csv, today), DEFAULT_DROPOUT_MODEL
    else:
        results, model = _signals_from_database(args.client, today)
    if args.json:
        json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        _print_human(results, model)


# --- rapport recompute-alerts --------------------------------------------------------------


def cmd_recompute(args: argparse.Namespace) -> None:
    from rapport.cli import _check_database, _setup_django

    _setup_django()
    _check_database()
    from rapport.clinic.models import Client, Clinic
    from rapport.monitoring.tasks import recompute_alerts

    # A mistyped id would otherwise report "0 open episode(s)" as if all were well.
    if args.clinic is not None and not _exists(Clinic, args.clinic):
        raise CommandError(f"no clinic with id {args.clinic}")
    if args.client is not None and not _exists(Client, args.client):
        raise CommandError(f"no client with id {args.client}")
    result = recompute_alerts(clinic_id=args.clinic, client_id=args.client)
    if not args.quiet:
        print(
            f"Recomputed alerts for {result.episodes} open episode(s): {result.created} raised, "
            f"{result.updated} updated, {result.reopened} re-opened, {result.resolved} resolved."
        )


# --- rapport calibrate ---------------------------------------------------------------------


def _history(clinic) -> tuple[dict[str, list[tuple[int, int, float]]], DropoutHistory]:
    """(episode, session, score) per outcome instrument, numbered as the detectors see them,
    and the ended episodes' dropout factors as of their early-warning point, from one read."""
    from django.utils import timezone

    from rapport.clinic.models import Episode
    from rapport.monitoring.dropout_calibration import DropoutHistory
    from rapport.monitoring.instruments import kind_of
    from rapport.monitoring.series import load_many

    episodes = list(
        Episode.objects.filter(client__clinic=clinic).select_related("client", "client__therapist")
    )
    rows: dict[str, list[tuple[int, int, float]]] = {}
    dropout = DropoutHistory()
    for start in range(0, len(episodes), 500):
        for data in load_many(episodes[start : start + 500], now=timezone.now()):
            for o in data.series.observations:
                if kind_of(o.instrument) == "outcome":
                    rows.setdefault(o.instrument, []).append((data.episode.pk, o.session, o.score))
            dropout.add(data)
    return rows, dropout


def _calibrate_dropout(clinic, history: DropoutHistory, *, dry_run: bool) -> tuple[bool, bool, str]:
    """Recalibrate the clinic's dropout model: (fitted, stored, message). Nothing is stored
    with too few ended episodes, on a dry run, or when the result is the model already in
    use; only a fitted model's message is a report rather than a problem."""
    from rapport.monitoring.calibration import recalibrate_dropout
    from rapport.monitoring.dropout_calibration import clinic_dropout_model, same_weights
    from rapport.monitoring.services import dropout_calibration_store
    from rapport.monitoring.signals import BASE_RATE, DEFAULT_DROPOUT_MODEL
    from rapport.monitoring.signals.errors import NotEnoughDataError

    current = clinic_dropout_model(clinic.pk)
    in_use = (
        "the published model (19.7% base rate) stays in use"
        if current is None
        else "this clinic's recalibrated model stays in use"
    )
    left_out = (
        f"{history.never_attended} more ended before any attended session and were left out. "
        if history.never_attended
        else ""
    )
    try:
        # Always from the published model, so a new calibration replaces the last one
        # rather than compounding it.
        result = recalibrate_dropout(history.features, history.dropped_out)
    except NotEnoughDataError as error:
        return False, False, f"{clinic.name}: {error} {left_out}Nothing was stored: {in_use}."
    if same_weights(result.model, current or DEFAULT_DROPOUT_MODEL):
        # Storing it again would only relabel the same numbers.
        return (
            False,
            False,
            (
                f"{clinic.name}: the dropout model recalibrated on {result.episodes} ended "
                f"episodes is the one already in use; nothing was stored."
            ),
        )
    how = " (intercept only: the factors did not rank this clinic's dropouts)"
    message = (
        f"{clinic.name}: dropout model recalibrated on {result.episodes} ended episodes, "
        f"{result.events} dropped out: observed dropout rate "
        f"{result.observed_rate:.1%} against the {float(BASE_RATE.value):.1%} benchmark "
        f"({BASE_RATE.source}); mean predicted probability now {result.mean_predicted:.1%} "
        f"(published model: {result.previous_mean_predicted:.1%})"
        + (how if result.intercept_only else "")
        + (f". {left_out.strip()}" if left_out else "")
        + (" [dry run: not stored]" if dry_run else "")
    )
    if dry_run:
        return True, False, message
    dropout_calibration_store(clinic=clinic, result=result, actor_label="cli")
    return True, True, message


def cmd_calibrate(args: argparse.Namespace) -> None:
    from rapport.cli import _check_database, _setup_django

    _setup_django()
    _check_database()
    import pandas as pd

    from rapport.audit.models import Action
    from rapport.audit.services import audit_record_many
    from rapport.clinic.models import Clinic, Episode
    from rapport.monitoring.calibration import calibrate
    from rapport.monitoring.instruments import canonical
    from rapport.monitoring.series import _criteria
    from rapport.monitoring.services import trajectory_calibration_store
    from rapport.monitoring.signals.errors import MonitoringError, NotEnoughDataError
    from rapport.monitoring.tasks import recompute_alerts
    from rapport.monitoring.trajectories import clinic_trajectories

    _check_calibrated_instruments(args.instrument or [])
    clinics = Clinic.objects.order_by("pk")
    if args.clinic is not None:
        clinics = clinics.filter(pk=args.clinic)
        if not clinics.exists():
            raise CommandError(f"no clinic with id {args.clinic}")
    stored = 0
    problems: list[str] = []
    for clinic in clinics:
        history, dropout_history = _history(clinic)
        # One row per client whose scores were read, so a client's audit trail shows it.
        audit_record_many(
            actor="cli",
            action=Action.VIEW,
            target=f"calibration-history:clinic:{clinic.pk}",
            client_ids=Episode.objects.filter(client__clinic=clinic)
            .values_list("client_id", flat=True)
            .distinct()
            .order_by("client_id"),
        )
        current = clinic_trajectories(clinic.pk)
        wanted = (
            [canonical(i) or i for i in args.instrument] if args.instrument else sorted(history)
        )
        stored_here = 0
        if not wanted:
            problems.append(f"{clinic.name}: no outcome scores yet; the default bands stay in use.")
        for instrument in wanted:
            criteria = _criteria(instrument)
            if criteria is None or instrument not in history:
                problems.append(f"{clinic.name}: no {instrument} scores to calibrate from.")
                continue
            frame = pd.DataFrame(history[instrument], columns=["episode", "session", "score"])
            try:
                result = calibrate(
                    frame,
                    criteria,
                    base=current.get(criteria.instrument),
                    min_episodes=args.min_episodes,
                )
            except NotEnoughDataError as error:
                problems.append(f"{clinic.name}: {error}")
                continue
            except MonitoringError as error:
                problems.append(f"{clinic.name}: {instrument}: {error}")
                continue
            if not result.bands_fitted:
                # Storing the unchanged model would relabel the published defaults as the
                # clinic's own estimate.
                problems.append(f"{clinic.name}: {_no_band_fitted(instrument, result)}")
                continue
            print(
                f"{clinic.name}: {instrument} calibrated on {result.training_episodes} episodes "
                f"({result.heldout_episodes} held out): {result.bands_fitted} of "
                f"{len(result.bands)} intake bands re-estimated"
                f"{_kept_bands(result)}; {result.heldout_coverage:.1%} of "
                f"held-out scores inside the band (previous {result.previous_heldout_coverage:.1%},"
                f" nominal {result.nominal_coverage:.0%})"
                + (" [dry run: not stored]" if args.dry_run else "")
            )
            if not args.dry_run:
                trajectory_calibration_store(
                    clinic=clinic,
                    model=result.model,
                    episodes_used=result.training_episodes,
                    actor_label="cli",
                )
                stored += 1
                stored_here += 1
        fitted, dropout_stored, message = _calibrate_dropout(
            clinic, dropout_history, dry_run=args.dry_run
        )
        if fitted:
            print(message)
        else:
            problems.append(message)
        stored += dropout_stored
        stored_here += dropout_stored
        if stored_here:
            recompute_alerts(clinic_id=clinic.pk)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems and not stored and not args.dry_run:
        raise CommandError(
            "nothing was calibrated; the expected-response bands and the dropout model in use stay"
        )


def _check_calibrated_instruments(given: list[str]) -> None:
    """Each --instrument is an outcome measure (only those have bands to fit): a misspelt
    id would otherwise read as "no nope scores to calibrate from", and exit 0 under
    --dry-run, as though the clinic merely lacked data."""
    from rapport.measures.registry import all_instruments
    from rapport.monitoring.instruments import canonical, kind_of

    outcome = ", ".join(i.id for i in all_instruments() if i.kind == "outcome")
    for instrument in given:
        known = canonical(instrument)
        if known is None:
            raise CommandError(
                f"unknown instrument {instrument!r}: the outcome measures calibrate fits are "
                f"{outcome}"
            )
        if kind_of(known) != "outcome":
            raise CommandError(
                f"{instrument!r} is not an outcome measure ({kind_of(known)}): the outcome "
                f"measures calibrate fits are {outcome}"
            )


def _no_band_fitted(instrument: str, result: CalibrationResult) -> str:
    most = max(band.episodes for band in result.bands)
    return (
        f"{instrument}: no intake band had the {result.min_band_episodes} training episodes "
        f"it needs to be re-estimated (the most in one band: {most} of "
        f"{result.training_episodes}); nothing was stored and the bands in use stay."
    )


def _kept_bands(result: CalibrationResult) -> str:
    kept = len(result.bands) - result.bands_fitted
    return f" ({kept} kept their current parameters: too few episodes)" if kept else ""


def add_commands(sub: argparse._SubParsersAction) -> None:
    signals = sub.add_parser(
        "signals",
        help="signals for a researcher's CSV file (no database) or one client in the database",
        description=(
            "Run the signal detectors. --from-csv needs no database (columns: client, session, "
            "date, instrument, score; optional attended, mandated, age, trainee_therapist, "
            "pushed; see docs/monitoring.md). --client reads the database as an operator and "
            "writes an audit row with the actor 'cli'."
        ),
    )
    source = signals.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-csv", metavar="FILE", help="a CSV file, one row per score")
    source.add_argument("--client", type=int, metavar="ID", help="a client id in the database")
    signals.add_argument("--json", action="store_true", help="print JSON (one entry per client)")
    signals.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help="analyse as of this date (default: latest date in the file, or today for --client)",
    )
    signals.set_defaults(handler=cmd_signals)

    recompute = sub.add_parser(
        "recompute-alerts",
        help="bring every open episode's alerts up to date (run from cron)",
        description=(
            "Recompute alerts from the latest responses and appointments: raise new ones, "
            "resolve those whose signal cleared, re-open snoozed ones whose date has come. "
            "Example cron line: 17 * * * * rapport recompute-alerts --quiet"
        ),
    )
    recompute.add_argument("--clinic", type=int, metavar="ID", help="only this clinic")
    recompute.add_argument("--client", type=int, metavar="ID", help="only this client")
    recompute.add_argument("--quiet", action="store_true", help="print nothing on success")
    recompute.set_defaults(handler=cmd_recompute)

    calibrate = sub.add_parser(
        "calibrate",
        help="re-estimate the expected-response bands and the dropout model from the clinic's "
        "own history",
        description=(
            "Fit the not-on-track bands to the clinic's episodes (at least --min-episodes "
            "episodes with three or more scores), report how many intake bands were "
            "re-estimated (a band needs 20 training episodes) and how well they fit held-out "
            "episodes, and store them for the clinic. Recalibrate the dropout model on the "
            "clinic's ended episodes (at least 200, and 20 of each outcome; read as of their "
            "third attended session, except whether the therapist is a trainee: that is the "
            "client's current therapist's flag today, as nothing records it per episode) and "
            "report the observed dropout rate against the 19.7% benchmark. When nothing was "
            "stored for any clinic the exit status is 2. Alerts are recomputed afterwards."
        ),
    )
    calibrate.add_argument("--clinic", type=int, metavar="ID", help="only this clinic")
    calibrate.add_argument(
        "--instrument", action="append", metavar="ID", help="only this outcome measure (repeatable)"
    )
    calibrate.add_argument(
        "--min-episodes", type=_at_least_one, default=50, help="episodes needed (default 50)"
    )
    calibrate.add_argument("--dry-run", action="store_true", help="report, store nothing")
    calibrate.set_defaults(handler=cmd_calibrate)


register(add_commands)
