from gtops.cli import main

main()
