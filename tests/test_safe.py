from __future__ import annotations

import pandas as pd

from kit._safe import neutralize_formulas, slugify_teams


def test_hostile_and_colliding_team_names_become_safe_unique_slugs():
    names = [
        "../../etc",
        "CON",
        "",
        "West",
        "west",
        "WEST",
        "Café Nord",
        "lpt1",
        "نور",
        "🚀 Rocket",
    ]
    slugs = slugify_teams(names)
    assert slugs == {
        "": "team",
        "../../etc": "etc",
        "CON": "con-team",
        "Café Nord": "cafe-nord",
        "WEST": "west",
        "West": "west-2",
        "lpt1": "lpt1-team",
        "west": "west-3",
        "نور": "team-2",
        "🚀 Rocket": "rocket",
    }
    assert len(set(slugs.values())) == len(names)


def test_long_names_are_truncated():
    slug = slugify_teams(["x" * 500])["x" * 500]
    assert slug == "x" * 60


def test_formula_cells_are_neutralized_and_numbers_kept():
    frame = pd.DataFrame(
        {
            "text": ["=SUM(A1)", "+1", "-cmd", "@x", "\tx", "\rx", "fine", None],
            "number": [-1.5, 2, 3, 4, 5, 6, 7, 8],
            "team": pd.Categorical(["=bad", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]),
        }
    )
    out = neutralize_formulas(frame)
    assert out["text"].tolist()[:7] == ["'=SUM(A1)", "'+1", "'-cmd", "'@x", "'\tx", "'\rx", "fine"]
    assert pd.isna(out["text"].iloc[7])
    assert out["number"].tolist() == [-1.5, 2, 3, 4, 5, 6, 7, 8]
    assert out["team"].iloc[0] == "'=bad"
    assert frame["text"].iloc[0] == "=SUM(A1)"  # the input is not modified
