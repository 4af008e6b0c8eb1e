"""One module per training stage, each with `run(ctx: StageContext) -> StageResult`."""
