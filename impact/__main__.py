from impact.command_line import run

run()
