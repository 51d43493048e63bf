"""Reading messages: Django-free cores over plain text (classification, similarity,
hotspots, answer quality). The product wires them in from minsheng.board / tasks."""
