"""`kerasgan list`: the zoo entries and every registered training recipe."""

NEEDS_TENSORFLOW = True  # the registry imports the families


def add_parser(subparsers):
    subparsers.add_parser("list", help="list the zoo entries and the training recipes")


def _print_table(rows, pad_last=True):
    widths = [max(len(str(row[i])) for row in rows if len(row) > i)
              for i in range(max(len(row) for row in rows))]
    for row in rows:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths)]
        if not pad_last:
            cells[-1] = str(row[-1])
        print("  " + "  ".join(cells))


def recipe_rows():
    """(name, family, task, loss, "d_steps=N", description) of every recipe, from its
    compile settings; then (alias, "alias of NAME") rows."""
    from kerasgan.models import registry

    rows, aliases = [], []
    for recipe in registry.list_recipes():
        settings = registry.compile_settings(recipe)
        rows.append((recipe.name, recipe.family, recipe.task, settings.get("loss", "?"),
                     f"d_steps={settings.get('d_steps', '?')}", recipe.description))
        aliases += [(alias, f"alias of {recipe.name}") for alias in recipe.aliases]
    return rows, sorted(aliases)


def run(args):
    from kerasgan import presets

    rows = [("name", "family", "size", "dataset", "weights", "metric")]
    for name in presets.list_presets():
        card = presets.get_card(name)
        metrics = card.get("metrics") or []
        metric = f"{metrics[0]['name']} {metrics[0]['value']:.3g}" if metrics else "-"
        rows.append((
            name, card.get("family", "?"), f"{card.get('resolution', '?')}px",
            card.get("dataset", {}).get("spec", "?"),
            "yes" if card.get("weights") else "no", metric,
        ))
    print("Zoo entries (kerasgan info NAME for details):")
    _print_table(rows)
    recipes, aliases = recipe_rows()
    print("\nTraining recipes (kerasgan train RECIPE; kerasgan train RECIPE --help lists its "
          "flags):")
    _print_table([*recipes, *aliases], pad_last=False)
    print("\nImage-to-image tasks (paired, unpaired, inpainting) translate images: "
          "kerasgan sample MODEL --input FILE|FOLDER.")
    return 0
