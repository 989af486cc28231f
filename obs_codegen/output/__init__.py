"""Stage 5: the one writer of out/ and the drift check that compares against it."""
