from gtops.cli import run

run()
