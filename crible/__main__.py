from crible.cli.main import main

main()
