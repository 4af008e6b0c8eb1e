"""The talk: results.json and the training logs turned into plots, the report, the slides
and the live demo, in the project's language.

    present.py   the entry point: plots, then the report and the slides
    summary.py   results as tables and sentences (metric labels, what is missing or not run)
    versus.py    pairwise results: win rates with their ties and both models' answer lengths
    plots.py     training curves, metric bars, refusal beside over-refusal (matplotlib)
    report.py    fills the marked blocks of report/report.md
    slides.py    slides/slides.pptx: the ten slides of a 15-minute talk, what each holds
    deck.py      drawing on a 16:9 deck (python-pptx): text, native tables, pictures, boxes
    fonts.py     a Chinese font for the plots, the East-Asian font slot of the slides
    words.py     how each module's (zh, en) words are looked up
    demo.py      the demo's models and answers (demo/app.py draws the page)

Only the demo loads models: plots, report and slides are made from the saved results,
so `python -m <package> slides` and `report` rebuild them at any time.
"""
