from impact.command_line import main

main()
