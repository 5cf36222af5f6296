"""Evaluation (综合评价): monthly scores for supervisors, operators, shift leaders, dispatchers,
departments and regions, from the on-time facts frozen on the cases (DOMAIN.md §7)."""
