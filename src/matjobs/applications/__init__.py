"""What a job runs: each application turns a workflow unit into files and a command."""
