from oreradar.cli import main

main()
