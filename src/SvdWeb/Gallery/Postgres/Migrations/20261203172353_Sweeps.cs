using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Sweeps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "SweepColumn",
                table: "Generations",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "SweepId",
                table: "Generations",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SweepRow",
                table: "Generations",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Sweeps",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    OwnerId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OwnerName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ModelName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    InputFileName = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    ColumnAxis = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ColumnValues = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    RowAxis = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    RowValues = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    BaseRecipeJson = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Draft = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sweeps", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Generations_SweepId",
                table: "Generations",
                column: "SweepId");

            migrationBuilder.CreateIndex(
                name: "IX_Sweeps_CreatedUtc",
                table: "Sweeps",
                column: "CreatedUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Sweeps");

            migrationBuilder.DropIndex(
                name: "IX_Generations_SweepId",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "SweepColumn",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "SweepId",
                table: "Generations");

            migrationBuilder.DropColumn(
                name: "SweepRow",
                table: "Generations");
        }
    }
}
