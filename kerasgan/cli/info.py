"""`kerasgan info NAME`: a zoo entry's card."""

import json

NEEDS_TENSORFLOW = False  # cards are JSON


def add_parser(subparsers):
    parser = subparsers.add_parser("info", help="show a zoo entry's card")
    parser.add_argument("preset", help="zoo entry name, preset folder or URL")
    parser.add_argument("--json", action="store_true", help="print the card as JSON")


def run(args):
    from kerasgan import presets

    card = presets.get_card(args.preset)
    if args.json:
        print(json.dumps(card, indent=2))
        return 0
    print(f"{card.get('name', args.preset)}: {card.get('description', '')}")
    paper = card.get("paper")
    if paper:
        print(f"  paper:    {paper.get('title')} ({paper.get('authors')}, {paper.get('year')}) "
              f"{paper.get('url', '')}".rstrip())
    if card.get("reference_implementation"):
        print(f"  official: {card['reference_implementation']}")
    dataset = card.get("dataset", {})
    print(f"  family:   {card.get('family')}, {card.get('resolution')}px, "
          f"dataset {dataset.get('spec')}")
    if card.get("parameters"):
        print("  params:   " + ", ".join(f"{k} {v:,}" for k, v in card["parameters"].items()))
    weights = card.get("weights")
    if weights:
        print(f"  weights:  {weights['file']} ({weights.get('size', 0):,} bytes, "
              f"sha256 {weights['sha256']})")
    else:
        print(f"  weights:  none published. {card.get('weights_note', '')}".rstrip())
    training = card.get("training", {})
    if training.get("command"):
        print(f"  train:    {training['command']}")
    if training.get("hardware") or training.get("duration_seconds"):
        print(f"  trained:  {training.get('duration_seconds', '?')} s on "
              f"{training.get('hardware', '?')}")
    for metric in card.get("metrics") or []:
        print(f"  metric:   {metric['name']} = {metric['value']:.4g} "
              f"({metric.get('protocol', '')})")
    if card.get("license"):
        print(f"  license:  {card['license']}")
    return 0
