"""What a site's record says about its finding: confirmed, contradicted or not reached."""

from __future__ import annotations

from dataclasses import dataclass

CONFIRMED = "confirmed at run time"
CONTRADICTED = "contradicted"
NOT_REACHED = "not reached"
NOT_PROBED = "not probed"
FALSE_POSITIVE = (
    "if no run of the script can do otherwise, this is a false positive of dqn-lint: please report it "
    "(with this script) so the rule can be fixed"
)


@dataclass(frozen=True)
class Verdict:
    status: str
    detail: str


def verdict(record: dict | None, run: dict, companion: dict | None = None) -> Verdict:
    """The verdict for one watched site, from its record and the run's; a companion reading (the
    mask a flag reaches) adds what it saw."""
    found = _verdict(record, run)
    reading = _mask_reading(companion) if companion is not None else ""
    return Verdict(found.status, found.detail + reading) if reading else found


def _mask_reading(record: dict) -> str:
    """`; in the updates the mask marked ...`: the mask's terminal rate against the env's rates."""
    detail = record.get("detail", {})
    entries, steps = detail.get("entries", 0), detail.get("env_steps", 0)
    if not record.get("hits") or not entries or not steps:
        return ""
    marked = detail.get("terminal", 0) / entries
    ends, cuts = detail.get("env_ends", 0) / steps, detail.get("env_cuts", 0) / steps
    closer = ("closer to the ends and cuts together: the cuts reach the mask" if abs(marked - ends - cuts) < abs(marked - ends)
              else "closer to the real ends alone")
    return (f"; in {record['hits']} updates the mask marked {marked:.1%} of {entries} sampled transitions terminal, "
            f"against real ends at {ends:.1%} and time-limit cuts at {cuts:.1%} of {steps} env steps ({closer})")


def _verdict(record: dict | None, run: dict) -> Verdict:
    how_far = f"the script ran {run.get('updates', 0)} optimizer updates in {run.get('seconds', 0):.1f} s"
    if record is None or record.get("hits", 0) == 0:
        return Verdict(NOT_REACHED, f"the watched expression never ran ({how_far})")
    observation = record["observation"]
    positive, negative, hits = record["positive"], record["negative"], record["hits"]
    detail = record.get("detail", {})
    unreadable = (detail.get("not_a_tensor") or detail.get("not_a_network") or detail.get("not_an_optimizer")
                  or detail.get("not_a_loss") or detail.get("not_a_store"))
    if unreadable and positive + negative == 0:
        return Verdict(NOT_PROBED, f"the watched value was a {unreadable}, which this probe cannot read")
    if positive + negative == 0:
        if observation == "stored_across_reset":
            return Verdict(NOT_REACHED, f"a next state was stored {hits} times, but never right after an episode ended as a "
                                        f"state the vector env returned ({detail.get('episode_ends', 0)} episode ends seen; "
                                        f"{how_far})")
        if observation == "truncation_in_flag":
            return Verdict(NOT_REACHED, f"no time limit cut an episode while the flag was made ({hits} steps; {how_far}): "
                                        "run longer, or with a shorter time limit")
        return Verdict(NOT_REACHED, f"the site ran {hits} times but no optimizer update was seen to judge it ({how_far})")
    if observation == "requires_grad":
        if positive:
            grad_fn = f" (grad_fn {detail['grad_fn']})" if "grad_fn" in detail else ""
            reach = ""
            if "parameters_reached" in detail:
                reached, trained = detail["parameters_reached"], detail.get("trained_reached", 0)
                reach = (f"; its gradient reaches {reached} parameter tensor{'s' * (reached != 1)}, "
                         f"{trained} of which an optimizer steps")
            return Verdict(CONFIRMED, f"the value required grad in {positive} of {positive + negative} evaluations{grad_fn}"
                                      f"{reach}: the loss's gradient flows into the bootstrap")
        return Verdict(CONTRADICTED, f"the value never required grad in {negative} evaluations; {FALSE_POSITIVE}")
    if observation == "shares_trained_storage":
        if positive:
            return Verdict(CONFIRMED, f"the network shared {detail.get('shared_tensors', '?')} of its {detail.get('tensors', '?')} "
                                      f"parameter tensors with those an optimizer steps, in {positive} of {positive + negative} "
                                      "evaluations: the target moves with every update")
        return Verdict(CONTRADICTED, f"the network's parameters were never among those an optimizer steps "
                                     f"({negative} evaluations); {FALSE_POSITIVE}")
    if observation == "held_by_optimizer":
        if positive:
            return Verdict(CONFIRMED, f"an optimizer steps {detail.get('shared_tensors', '?')} of the network's "
                                      f"{detail.get('tensors', '?')} parameter tensors (seen in {positive} of "
                                      f"{positive + negative} evaluations)")
        return Verdict(CONTRADICTED, f"no optimizer held the network's parameters ({negative} evaluations); {FALSE_POSITIVE}")
    if observation == "loss_inputs_broadcast":
        if positive:
            shapes = " and ".join(str(shape) for shape in detail.get("shapes", []))
            return Verdict(CONFIRMED, f"the loss compared inputs shaped {shapes}, broadcast to {detail.get('broadcast')}, "
                                      f"in {positive} of {positive + negative} calls: every prediction is pulled toward "
                                      "every target")
        return Verdict(CONTRADICTED, f"the loss's two inputs had the same shape {detail.get('same_shapes')} in {negative} "
                                     f"calls; {FALSE_POSITIVE}")
    if observation == "stored_across_reset":
        windows = positive + negative
        mode = detail.get("autoreset_mode")
        when = "in the step after it" if mode == "NextStep" else "in the step that ended it"
        if positive:
            return Verdict(CONFIRMED, f"after {positive} of {windows} episode ends, the next episode's first observation was "
                                      f"stored as a next state {when} ({mode} autoreset): the transition jumps across episodes")
        return Verdict(CONTRADICTED, f"after none of {windows} episode ends was the reset observation stored as a next state "
                                     f"({mode} autoreset); {FALSE_POSITIVE}")
    if observation == "gradients_cleared":
        steps = positive + negative
        if positive and not negative:
            return Verdict(CONFIRMED, f"the gradients of each step were still there at the next backward pass, "
                                      f"{positive} times: each update applies the sum of all earlier gradients")
        if positive:
            return Verdict(CONFIRMED, f"the gradients of a step were still there at the next backward pass "
                                      f"{positive} of {steps} times")
        return Verdict(CONTRADICTED, f"the gradients were cleared before each of {steps} backward passes; {FALSE_POSITIVE}")
    if observation == "truncation_in_flag":
        cuts = detail.get("cuts", positive + negative)
        if positive:
            return Verdict(CONFIRMED, f"at {positive} of {positive + negative} steps where a time limit cut an episode "
                                      f"({cuts} cuts), the flag was set as for a real end: truncation is treated as termination")
        return Verdict(CONTRADICTED, f"the flag was not set at the {negative} steps where a time limit cut an episode; "
                                     f"{FALSE_POSITIVE}")
    if observation == "weights_unchanged":
        updates = detail.get("updates_seen", "?")
        if positive and not negative:
            return Verdict(CONFIRMED, f"the network's weights were exactly as at its first use at all {positive} later "
                                      f"bootstrap passes, {updates} optimizer updates on: the target never moves")
        if negative and not positive:
            return Verdict(CONTRADICTED, f"the network's weights changed between its bootstrap passes; {FALSE_POSITIVE}")
        return Verdict(CONFIRMED, f"the network's weights stayed as at its first use in {positive} of {positive + negative} "
                                  "later bootstrap passes")
    if observation == "one_value_for_batch":
        if positive:
            return Verdict(CONFIRMED, f"the value was one number for the whole batch in {positive} of {positive + negative} "
                                      "evaluations: every transition bootstraps from the batch's single maximum")
        return Verdict(CONTRADICTED, f"the value had one entry per transition (shape {detail.get('shape')}) in {negative} "
                                     f"evaluations; {FALSE_POSITIVE}")
    if observation == "bootstrap_masked":
        transitions, zeros = detail.get("transitions", 0), detail.get("zeros", 0)
        if not zeros:
            return Verdict(CONFIRMED, f"the discounted bootstrap was non-zero for all {transitions} transitions of "
                                      f"{hits} updates: none was masked (a terminal mask zeroes it for every "
                                      "terminal transition sampled)")
        return Verdict(CONTRADICTED, f"the discounted bootstrap was exactly zero for {zeros} of {transitions} transitions: "
                                     f"something masks it at run time; {FALSE_POSITIVE}")
    return Verdict(NOT_REACHED, f"no reading for the observation {observation!r}")
