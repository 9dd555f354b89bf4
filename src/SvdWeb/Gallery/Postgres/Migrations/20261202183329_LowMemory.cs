using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class LowMemory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "LowMemory",
                table: "Generations",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LowMemory",
                table: "Generations");
        }
    }
}
